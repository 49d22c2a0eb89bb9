// Charts (ECharts) for the pages that draw them; loaded only there.
