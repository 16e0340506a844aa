// Loss and accuracy, live (uPlot): training per step (the epoch's running average) and
// validation per epoch, plotted against steps or epochs. Drag to zoom both charts;
// double-click or "Reset zoom" to see everything. The figures' data-points attribute says
// how many x values are drawn (tests read it).

import uPlot from "../../../vendor/uplot/uPlot.esm.js";
import { formatNumber, t } from "../../i18n.js";
import { byId } from "../../ui/dom.js";

const TRAIN = "#0b4f9c";
const VALIDATION = "#b35806";
const HEIGHT = 220;

function percent(v) {
  return v === null || v === undefined ? "\u2013"
    : formatNumber(v, { style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1 });
}

function number(v) {
  return v === null || v === undefined ? "\u2013"
    : formatNumber(v, { minimumSignificantDigits: 3, maximumSignificantDigits: 3 });
}

/** Loss from 0 up (0..1 before there is any). */
function lossRange(u, min, max) {
  return max === null || !Number.isFinite(max) || max <= 0 ? [0, 1] : [0, max * 1.05];
}

function options(kind, width, height, xLabel, hooks) {
  const accuracy = kind === "accuracy";
  const format = accuracy ? percent : number;
  return {
    width, height,
    cursor: { sync: { key: "training" }, drag: { x: true, y: false } },
    scales: { x: { time: false }, y: { range: accuracy ? [0, 1] : lossRange } },
    axes: [
      { label: xLabel, size: 40 },
      { label: accuracy ? t("accuracy") : t("loss"), size: 56,
        values: (u, ticks) => ticks.map((tick) => (accuracy
          ? formatNumber(tick, { style: "percent", maximumFractionDigits: 0 })
          : formatNumber(tick, { maximumFractionDigits: 4 }))) },
    ],
    series: [
      { label: xLabel, value: (u, v) => (v === null ? "\u2013" : String(v)) },
      { label: accuracy ? t("training accuracy") : t("training loss"), stroke: TRAIN, width: 2,
        value: (u, v) => format(v) },
      { label: accuracy ? t("validation accuracy") : t("validation loss"), stroke: VALIDATION,
        width: 2, dash: [6, 4],
        spanGaps: true, points: { show: true, size: 8, fill: VALIDATION },
        value: (u, v) => format(v) },
    ],
    hooks,
  };
}

export class Charts {
  constructor() {
    this.mode = "step";
    this.figures = { loss: byId("loss-chart"), accuracy: byId("accuracy-chart") };
    this.zoom = null; // {min, max} of x while zoomed in
    this.plots = {};
    this.reset();
    this.build();
    for (const radio of document.querySelectorAll('input[name="chart-x"]')) {
      radio.addEventListener("change", () => this.setMode(radio.value));
    }
    byId("zoom-reset").addEventListener("click", () => this.resetZoom());
    new ResizeObserver(() => this.resize()).observe(this.figures.loss);
  }

  reset() {
    this.steps = [];
    this.epochs = [];
    this.stepsPerEpoch = null;
    this.zoom = null;
    this.markZoom();
    this.schedule();
  }

  build() {
    for (const kind of ["loss", "accuracy"]) {
      if (this.plots[kind]) this.plots[kind].destroy();
      const area = this.figures[kind].querySelector(".chart-area");
      const hooks = { setSelect: [(u) => this.selected(u)] };
      const label = this.mode === "step" ? t("step") : t("epoch");
      this.plots[kind] = new uPlot(options(kind, this.width(area), this.height(area), label,
        hooks),
        this.data()[kind], area);
      this.plots[kind].over.addEventListener("dblclick", () => this.resetZoom());
    }
  }

  width(area) {
    return Math.max(240, Math.floor(area.clientWidth || 320));
  }

  /** Taller on a projector: presentation.css sets --chart-height. */
  height(area) {
    return Number(getComputedStyle(area).getPropertyValue("--chart-height")) || HEIGHT;
  }

  resize() {
    for (const [kind, plot] of Object.entries(this.plots)) {
      const area = this.figures[kind].querySelector(".chart-area");
      plot.setSize({ width: this.width(area), height: this.height(area) });
    }
  }

  setMode(mode) {
    this.mode = mode;
    this.zoom = null;
    this.markZoom();
    this.build();
    this.draw();
  }

  addSteps(events) {
    for (const e of events) {
      this.steps.push(e);
      this.stepsPerEpoch = e.steps_per_epoch || this.stepsPerEpoch;
    }
    this.schedule();
  }

  addEpoch(event) {
    this.epochs = this.epochs.filter((e) => e.epoch !== event.epoch).concat([event]);
    this.schedule();
  }

  /** [x, train, validation] per chart, aligned on one x array (nulls for gaps). */
  data() {
    const rows = new Map();
    const row = (x) => {
      if (!rows.has(x)) rows.set(x, { x, loss: null, accuracy: null, vloss: null, vacc: null });
      return rows.get(x);
    };
    for (const s of this.steps) {
      Object.assign(row(this.mode === "step" ? s.step : s.epoch), {
        loss: s.loss, accuracy: s.accuracy });
    }
    for (const e of this.epochs) {
      const x = this.mode === "step" ? this.epochEnd(e) : e.epoch;
      Object.assign(row(x), { vloss: e.val_loss, vacc: e.val_accuracy });
    }
    const sorted = [...rows.values()].sort((a, b) => a.x - b.x);
    const xs = sorted.map((r) => r.x);
    return {
      loss: [xs, sorted.map((r) => r.loss), sorted.map((r) => r.vloss)],
      accuracy: [xs, sorted.map((r) => r.accuracy), sorted.map((r) => r.vacc)],
    };
  }

  epochEnd(event) {
    if (this.stepsPerEpoch) return event.epoch * this.stepsPerEpoch;
    const last = this.steps.filter((s) => s.epoch === event.epoch).pop();
    return last ? last.step : event.epoch;
  }

  schedule() {
    if (this.pending) return;
    this.pending = true;
    window.requestAnimationFrame(() => {
      this.pending = false;
      this.draw();
    });
  }

  draw() {
    const data = this.data();
    for (const [kind, plot] of Object.entries(this.plots)) {
      plot.setData(data[kind], this.zoom === null);
      if (this.zoom) plot.setScale("x", this.zoom);
      this.figures[kind].dataset.points = String(data[kind][0].length);
    }
    this.readout();
  }

  selected(u) {
    if (u.select.width <= 0) return;
    const min = u.posToVal(u.select.left, "x");
    const max = u.posToVal(u.select.left + u.select.width, "x");
    this.zoom = { min, max };
    this.markZoom();
    for (const plot of Object.values(this.plots)) {
      if (plot !== u) plot.setScale("x", this.zoom);
      plot.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
    }
  }

  resetZoom() {
    this.zoom = null;
    this.markZoom();
    this.draw();
  }

  markZoom() {
    for (const figure of Object.values(this.figures)) {
      figure.dataset.zoomed = String(this.zoom !== null);
    }
  }

  readout() {
    const step = this.steps[this.steps.length - 1];
    const epoch = this.epochs[this.epochs.length - 1];
    const parts = [];
    if (step) {
      parts.push(t("Step {step}: training loss {loss}, accuracy {accuracy}.", {
        step: String(step.step), loss: number(step.loss), accuracy: percent(step.accuracy) }));
    }
    if (epoch) {
      parts.push(t("Epoch {epoch}: validation loss {loss}, accuracy {accuracy}.", {
        epoch: String(epoch.epoch), loss: number(epoch.val_loss), accuracy: percent(epoch.val_accuracy) }));
    }
    byId("chart-readout").textContent = parts.join(" ") || t("No data yet.");
  }
}
