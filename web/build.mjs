// Bundles the front end into internal/web/static/dist, which the Go binary
// embeds. Run with `npm run build` (the Makefile's `assets` target does).
import * as esbuild from "esbuild";
import { rmSync } from "node:fs";

const outdir = "../internal/web/static/dist";

// Start clean so that no stale file is embedded.
rmSync(outdir, { recursive: true, force: true });

await esbuild.build({
  // app.js runs on every page; charts.js only where a page draws charts
  // (ECharts is large: the page preloads it and app.js runs it once htmx
  // has started, so that nothing waits for it), live.js where a page updates itself (server-sent
  // events), portal.css is the client portal's own look, survey.css the public
  // survey page's.
  entryPoints: ["src/app.js", "src/app.css", "src/charts.js", "src/live.js", "src/portal.css", "src/survey.css"],
  outdir,
  bundle: true,
  minify: true,
  // Browsers of the last few years; nothing is loaded from another host.
  target: ["es2020", "chrome100", "firefox100", "safari15"],
  legalComments: "eof",
  logLevel: "warning",
});
