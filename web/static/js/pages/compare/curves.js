// The loss and accuracy charts (uPlot, as on the Training page), one line per run and
// curve: training as a plain line, validation with the run's marker at each epoch; the
// run's colour, line pattern and marker also show in the legend. The figures' data-runs
// says how many runs are drawn on each (tests read it).

import uPlot from "../../../vendor/uplot/uPlot.esm.js";
import { formatNumber, t } from "../../i18n.js";
import { h } from "../../ui/dom.js";
import { NONE, number, percent, runLabel, SERIES, shapePoints } from "./compare_format.js";
import { chartData, runsDrawn } from "./curve_data.js";
import { swatch } from "./swatch.js";

const HEIGHT = 240;

function markerPath(shape) {
  return (u, seriesIndex, first, last) => {
    const path = new Path2D();
    const radius = 4.5 * (window.devicePixelRatio || 1);
    const xs = u.data[0];
    const ys = u.data[seriesIndex];
    for (let i = first; i <= last; i += 1) {
      if (ys[i] === null) continue;
      const x = u.valToPos(xs[i], "x", true);
      const y = u.valToPos(ys[i], "y", true);
      const corners = shapePoints(shape, x, y, radius);
      if (corners) {
        path.moveTo(...corners[0]);
        for (const corner of corners.slice(1)) path.lineTo(...corner);
        path.closePath();
      } else {
        path.moveTo(x + radius, y);
        path.arc(x, y, radius, 0, 2 * Math.PI);
      }
    }
    return { stroke: path, fill: path, clip: null, flags: 0 };
  };
}

function seriesOf(line, runs, format) {
  const style = SERIES[line.index];
  const validation = line.kind === "validation";
  return {
    label: validation ? t("{run}, validation", { run: runLabel(runs[line.index]) })
      : t("{run}, training", { run: runLabel(runs[line.index]) }), stroke: style.colour,
    dash: style.dash, width: validation ? 2 : 1.5, spanGaps: true,
    value: (u, v) => format(v),
    points: validation ? { show: true, size: 9, fill: style.colour,
      paths: markerPath(style.shape) } : { show: false },
  };
}

function options(metric, lines, runs, area, xLabel) {
  const accuracy = metric === "accuracy";
  const format = accuracy ? percent : number;
  return {
    width: Math.max(260, Math.floor(area.clientWidth || 320)), height: HEIGHT,
    legend: { show: false },
    cursor: { drag: { x: false, y: false } },
    scales: { x: { time: false }, y: { range: accuracy ? [0, 1]
      : (u, min, max) => [0, max > 0 && Number.isFinite(max) ? max * 1.05 : 1] } },
    axes: [{ label: xLabel, size: 40 }, { label: accuracy ? t("accuracy") : t("loss"), size: 56,
      values: (u, ticks) => ticks.map((tick) => (accuracy
        ? formatNumber(tick, { style: "percent", maximumFractionDigits: 0 }) : tick)) }],
    series: [{ label: xLabel, value: (u, v) => (v === null ? NONE : String(v)) },
      ...lines.map((line) => seriesOf(line, runs, format))],
  };
}

export class Curves {
  constructor(figures, legend) {
    this.figures = figures; // {loss, accuracy}: <figure> with a .chart-area each
    this.legend = legend;
    this.plots = {};
    new ResizeObserver(() => this.resize()).observe(figures.loss);
  }

  show(runs, view) {
    const xLabel = view.x === "step" ? t("step") : t("epoch");
    for (const [metric, figure] of Object.entries(this.figures)) {
      if (this.plots[metric]) this.plots[metric].destroy();
      const area = figure.querySelector(".chart-area");
      const { data, lines } = chartData(runs, view, metric);
      this.plots[metric] = new uPlot(options(metric, lines, runs, area, xLabel), data, area);
      figure.dataset.runs = String(runsDrawn(lines));
      figure.dataset.lines = String(lines.length);
      figure.dataset.points = String(data[0].length);
    }
    this.legend.replaceChildren(...runs.map((run, i) => h("li", { dataset: { run: run.id } },
      swatch(i), h("span", { class: "legend-label" }, runLabel(run)),
      h("span", { class: "hint" }, ` (${SERIES[i].pattern})`))));
  }

  resize() {
    for (const [metric, plot] of Object.entries(this.plots)) {
      const area = this.figures[metric].querySelector(".chart-area");
      plot.setSize({ width: Math.max(260, Math.floor(area.clientWidth || 320)), height: HEIGHT });
    }
  }
}
