// wsconform charts: draws the series reports/charts.py (and reports/fuzz_page.py) put in the
// page's #wsconform-charts JSON into each <figure data-chart=ID>, with uPlot (inlined before
// this script). Without uPlot the figures say so and the rest of the page works as before.
// Labels come from runs (agent names, case titles): uPlot sets them as text, not HTML.
"use strict";
(function () {
  const source = document.getElementById("wsconform-charts");
  if (!source) return;
  const charts = JSON.parse(source.textContent);
  if (typeof uPlot === "undefined") {
    for (const figure of document.querySelectorAll("figure[data-chart] .plot")) {
      figure.textContent = "The charting library did not load.";
    }
    return;
  }

  // Colour-blind-safe (Okabe and Ito), then greys: one per colour key (target, data set).
  const PALETTE = ["#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9",
    "#000000", "#7a7a7a", "#9e6b00", "#4b0092"];
  const DASHES = [[], [7, 4], [2, 3], [9, 3, 2, 3]];
  const HEIGHT = 300;
  // Byte axes step in powers of two (1 MiB, 2 MiB, 4 MiB ...), as the sizes tested do.
  const BYTE_STEPS = Array.from({ length: 48 }, (_, n) => 2 ** n);

  function humanBytes(n) {
    const units = [["GiB", 2 ** 30], ["MiB", 2 ** 20], ["KiB", 2 ** 10]];
    for (const [unit, scale] of units) {
      if (Math.abs(n) >= scale) return +(n / scale).toFixed(n % scale ? 2 : 0) + " " + unit;
    }
    return Math.round(n) + " B";
  }

  function number(v) {
    return Math.abs(v) >= 100 || Number.isInteger(v) ? Math.round(v).toLocaleString("en")
      : String(+v.toPrecision(3));
  }

  // A value as the hover legend shows it: unit-aware, exact bytes too.
  function format(v, unit) {
    if (v === null || v === undefined) return "-";
    if (unit === "bytes") return humanBytes(v) + (v >= 1024 ? " (" + number(v) + " bytes)" : "");
    return number(v) + (unit ? " " + unit : "");
  }

  // Axis ticks: short.
  function tick(v, unit) {
    if (v === null || v === undefined) return "";
    return unit === "bytes" ? humanBytes(v) : number(v);
  }

  function colours(chart) {
    const keys = new Map();
    for (const s of chart.series) {
      if (!keys.has(s.colour)) keys.set(s.colour, PALETTE[keys.size % PALETTE.length]);
    }
    return keys;
  }

  function options(chart, width) {
    const categorical = !chart.x_values;
    const colour = colours(chart);
    const axes = [{
      label: chart.x_label,
      values: categorical ? (u, splits) => splits.map((i) => chart.x_ticks[i] || "")
        : (u, splits) => splits.map((v) => number(v)),
    }, {
      label: chart.y_label, size: 80,
      incrs: chart.y_unit === "bytes" ? BYTE_STEPS : undefined,
      values: (u, splits) => splits.map((v) => tick(v, chart.y_unit)),
    }];
    // Many categories (12.x's 18 parameter sets): slanted tick labels.
    const rotated = categorical && chart.x_ticks.length > 10;
    if (categorical) axes[0].splits = () => chart.x_ticks.map((_, i) => i);
    if (rotated) Object.assign(axes[0], { rotate: -35, size: 70 });
    // Linear axes start at 0: a throughput of 5 against 6 MB/s is not a cliff.
    const fromZero = () => ({ range: (u, min, max) => [Math.min(0, min), max * 1.08 || 1] });
    const scales = {
      x: { time: false, range: categorical ? [-0.5, chart.x_ticks.length - 0.5] : undefined },
      y: chart.y_log ? { distr: 3 } : fromZero(),
    };
    if (chart.y2_label) {
      scales.y2 = fromZero();
      axes.push({
        scale: "y2", side: 1, label: chart.y2_label, size: 70, grid: { show: false },
        values: (u, splits) => splits.map((v) => tick(v, chart.y2_unit)),
      });
    }
    const series = [{
      label: chart.x_label,
      value: (u, v) => (v === null || v === undefined ? "-" : categorical
        ? chart.x_ticks[v] : number(v) + (chart.x_unit ? " " + chart.x_unit : "")),
    }];
    for (const s of chart.series) {
      const stroke = colour.get(s.colour);
      const unit = s.axis ? chart.y2_unit : chart.y_unit;
      series.push({
        label: s.label, stroke, width: s.marker ? 0 : 2, dash: DASHES[s.dash % DASHES.length],
        scale: s.axis ? "y2" : "y", spanGaps: !!chart.span_gaps,
        paths: s.marker ? () => null : undefined,
        points: {
          show: s.marker || categorical || undefined, size: s.marker ? 9 : 6, width: 2, stroke,
          fill: s.marker === "hollow" ? "#ffffff" : stroke,
        },
        value: (u, v, si, idx) => format(v, unit) +
          (idx !== null && s.cases && s.cases[idx] && v !== null ? " (" + s.cases[idx] + ")" : ""),
      });
    }
    return {
      width, height: HEIGHT, scales, axes, series,
      // Slanted tick labels run past the last tick: room for them on the right.
      padding: [null, rotated ? 90 : null, null, null],
      legend: { live: true },
      cursor: { focus: { prox: 24 } },
      focus: { alpha: 0.35 },
    };
  }

  function data(chart) {
    const xs = chart.x_values || chart.x_ticks.map((_, i) => i);
    return [xs, ...chart.series.map((s) => s.values.map((v) =>
      (chart.y_log && v !== null && v <= 0 ? null : v)))];
  }

  // A click on a point of a case opens that case in the report (its #case= link): the
  // point is the cursor's x on the series the cursor is closest to (uPlot's focus).
  function draw(chart, box) {
    let focused = null;
    const opts = options(chart, Math.max(320, box.clientWidth));
    opts.hooks = {
      setSeries: [(u, si, o) => { if (o && "focus" in o) focused = o.focus ? si : null; }],
    };
    const plot = new uPlot(opts, data(chart), box);
    plot.over.addEventListener("click", () => {
      const idx = plot.cursor.idx;
      const s = focused ? chart.series[focused - 1] : null;
      if (idx === null || idx === undefined || !s || typeof s.target !== "number" ||
        !s.cases || !s.cases[idx]) return;
      location.hash = "#case=" + s.target + "/" + encodeURIComponent(s.cases[idx]);
    });
    return plot;
  }

  const plots = [];
  for (const chart of charts) {
    const figure = document.querySelector('figure[data-chart="' + CSS.escape(chart.id) + '"]');
    if (figure) {
      const box = figure.querySelector(".plot");
      plots.push([draw(chart, box), box]);
    }
  }

  // The page's width decides the charts'.
  if (typeof ResizeObserver !== "undefined") {
    const observer = new ResizeObserver(() => {
      for (const [plot, box] of plots) {
        plot.setSize({ width: Math.max(320, box.clientWidth), height: HEIGHT });
      }
    });
    for (const [, box] of plots) observer.observe(box);
  }
})();
