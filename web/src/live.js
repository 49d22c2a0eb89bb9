// Live updates over server-sent events for the pages that show them.
