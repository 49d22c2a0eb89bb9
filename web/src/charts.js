// Charts (ECharts) for the pages that draw them; loaded only there, and
// only once the page's own scripts have started (app.js runs it from the
// page's <link rel="preload" as="script" data-after-start>): the bundle is
// large, and htmx and the search must not wait for it.
//
// A chart is an element with data-chart="ID", where ID names a
// <script type="application/json"> block that holds its spec (the Content
// Security Policy runs no inline script, but a JSON block is only data):
//
//   {"kind": "bar"|"line", "categories": [...], "horizontal": false,
//    "unit": "days"|"%"|"cases", "links": [url per category],
//    "series": [{"name", "type": "bar"|"line"|"target", "color", "stack", "data": [number|null]}]}
//
// or, for a key-driver chart (importance × performance, a point per stage):
//
//   {"kind": "scatter", "x_name", "y_name", "x_mid", "y_mid",
//    "points": [{"name", "x", "y", "act", "small"}], "series": []}
//
// whose top-left quadrant (important, performing badly) is shaded: act there.
//
// Every chart also has its numbers in a table on the page, for screen
// readers and for print; the chart itself is aria-hidden.
import * as echarts from "echarts/core";
import { BarChart, LineChart, ScatterChart } from "echarts/charts";
import { GridComponent, LegendComponent, MarkAreaComponent, MarkLineComponent, TooltipComponent } from "echarts/components";
import { SVGRenderer } from "echarts/renderers";

echarts.use([BarChart, LineChart, ScatterChart, GridComponent, LegendComponent, MarkAreaComponent, MarkLineComponent, TooltipComponent, SVGRenderer]);

// The stylesheet's colours: one accent, and red/amber only for state.
const colors = {
  accent: "#2450b8",
  light: "#a9bde9",
  red: "#b42318",
  amber: "#c27803",
  grey: "#8a94a6",
  ink: "#1b2230",
};
const muted = "#5a6478";
const border = "#dde2ea";
const font = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';

function format(v, unit) {
  if (v === null || v === undefined || Number.isNaN(v)) return "—";
  if (unit === "%") return `${Math.round(v)}%`;
  if (unit === "days") return `${v.toFixed(1)} d`;
  if (unit === "score") return v.toFixed(1);
  return String(Math.round(v));
}

// An axis's ticks may be finer than a tenth: show as many decimals as
// they need, so that no two ticks read the same.
function tick(v, unit) {
  if (unit === "days") return `${Number(v.toFixed(2))} d`;
  return format(v, unit);
}

function option(spec, width) {
  // On a narrow screen, many bars lie down so that their labels stay readable.
  const horizontal = !!spec.horizontal || (spec.kind === "bar" && width < 560 && spec.categories.length > 4);
  const unit = spec.unit;
  const category = {
    type: "category",
    data: spec.categories,
    inverse: horizontal, // the first category on top, as in a table
    axisTick: { alignWithLabel: true },
    axisLine: { lineStyle: { color: border } },
    axisLabel: {
      color: muted,
      fontSize: 11,
      interval: spec.kind === "line" ? "auto" : 0,
      // A category's label may take its share of the width, no more.
      width: horizontal ? Math.min(160, Math.floor(width * 0.32)) : Math.max(40, Math.min(110, Math.floor((width - 60) / spec.categories.length) - 6)),
      overflow: "break",
      lineHeight: 13,
    },
  };
  const value = {
    type: "value",
    max: unit === "%" ? 100 : null,
    minInterval: unit === "cases" ? 1 : 0,
    splitLine: { lineStyle: { color: "#eceff4" } },
    axisLabel: { color: muted, fontSize: 11, formatter: (v) => tick(v, unit) },
  };
  const series = spec.series.map((s) => {
    const color = colors[s.color] || colors.accent;
    if (s.type === "target") {
      return {
        type: "scatter",
        name: s.name,
        data: s.data,
        symbol: "rect",
        symbolSize: horizontal ? [3, 22] : [26, 3],
        itemStyle: { color },
        z: 5,
      };
    }
    if (s.type === "line") {
      return {
        type: "line",
        name: s.name,
        data: s.data,
        symbol: "circle",
        symbolSize: 5,
        showSymbol: spec.categories.length <= 40,
        lineStyle: { width: 2, color },
        itemStyle: { color },
        areaStyle: { color, opacity: 0.08 },
      };
    }
    return {
      type: "bar",
      name: s.name,
      data: s.data,
      stack: s.stack || undefined,
      barMaxWidth: 26,
      itemStyle: { color },
      emphasis: { focus: "series" },
    };
  });
  return {
    animation: false,
    textStyle: { fontFamily: font },
    grid: { left: 4, right: 16, top: 40, bottom: 4, containLabel: true },
    legend: { top: 0, left: 0, itemWidth: 12, itemHeight: 10, textStyle: { color: muted, fontSize: 12 } },
    tooltip: {
      trigger: "axis",
      axisPointer: { type: spec.kind === "line" ? "line" : "shadow" },
      valueFormatter: (v) => format(v, unit),
      confine: true,
    },
    xAxis: horizontal ? value : category,
    yAxis: horizontal ? category : value,
    series,
  };
}

// scatterOption draws a key-driver chart: performance across, importance
// up, the medians as the quadrants' borders, the act-here points in red.
function scatterOption(spec, width) {
  const point = (p) => ({
    value: [p.x, p.y],
    name: p.name,
    itemStyle: { color: p.act ? colors.red : p.small ? colors.grey : colors.accent, opacity: p.small ? 0.6 : 1 },
  });
  const ys = spec.points.map((p) => p.y);
  const yMin = Math.min(-0.2, ...ys) - 0.05;
  const yMax = Math.max(0.6, ...ys) + 0.05;
  return {
    animation: false,
    textStyle: { fontFamily: font },
    grid: { left: 8, right: 24, top: 24, bottom: 36, containLabel: true },
    tooltip: {
      trigger: "item",
      confine: true,
      formatter: (p) => `${p.name}<br>performance ${p.value[0].toFixed(1)}%, importance ${p.value[1].toFixed(2)}`,
    },
    xAxis: {
      type: "value", min: 0, max: 100, name: spec.x_name, nameLocation: "middle", nameGap: 26,
      nameTextStyle: { color: muted, fontSize: 11 }, splitLine: { lineStyle: { color: "#eceff4" } },
      axisLabel: { color: muted, fontSize: 11, formatter: (v) => `${v}%` },
    },
    yAxis: {
      type: "value", min: Number(yMin.toFixed(1)), max: Number(yMax.toFixed(1)), name: spec.y_name, nameLocation: "end",
      nameTextStyle: { color: muted, fontSize: 11, align: "left" }, splitLine: { lineStyle: { color: "#eceff4" } },
      axisLabel: { color: muted, fontSize: 11, formatter: (v) => v.toFixed(1) },
    },
    series: [{
      type: "scatter",
      symbolSize: 12,
      data: spec.points.map(point),
      label: {
        show: width >= 480, position: "right", fontSize: 11, color: colors.ink,
        formatter: (p) => (p.name.length > 28 ? `${p.name.slice(0, 27)}…` : p.name),
      },
      markArea: {
        silent: true,
        itemStyle: { color: "rgba(180, 35, 24, 0.06)" },
        label: { show: true, position: "insideTopLeft", color: colors.red, fontSize: 11, formatter: "Act here" },
        data: [[{ xAxis: 0, yAxis: spec.y_mid }, { xAxis: spec.x_mid, yAxis: yMax }]],
      },
      markLine: {
        silent: true, symbol: "none", label: { show: false },
        lineStyle: { color: border, type: "dashed" },
        data: [{ xAxis: spec.x_mid }, { yAxis: spec.y_mid }],
      },
    }],
  };
}

function draw(el) {
  const source = document.getElementById(el.dataset.chart);
  if (!source) return;
  let spec;
  try {
    spec = JSON.parse(source.textContent);
  } catch {
    return;
  }
  if (!spec || !Array.isArray(spec.series)) return;
  const build = spec.kind === "scatter" ? scatterOption : option;
  const chart = echarts.init(el, null, { renderer: "svg" });
  chart.setOption(build(spec, el.clientWidth));
  if (Array.isArray(spec.links)) {
    // A bar leads to the cases behind it.
    chart.on("click", (p) => {
      const url = spec.links[p.dataIndex];
      if (typeof url === "string" && url.startsWith("/")) window.location.assign(url);
    });
    chart.getZr().on("mousemove", (e) => {
      el.classList.toggle("chart-link", !!e.target);
    });
  }
  // Resize once the size has settled, and never to nothing.
  let timer;
  let width = el.clientWidth;
  new ResizeObserver(() => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (el.clientWidth > 0 && el.clientWidth !== width) {
        width = el.clientWidth;
        chart.setOption(build(spec, width));
        chart.resize();
      }
    }, 150);
  }).observe(el);
  el.dataset.drawn = "true";
}

function drawAll() {
  document.querySelectorAll("[data-chart]").forEach(draw);
}

// Draw in a task of its own once the page is parsed (should the script be
// loaded another way, htmx and the search still start first).
function start() {
  setTimeout(drawAll, 0);
}
if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", start);
} else {
  start();
}
