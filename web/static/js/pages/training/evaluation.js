// After each epoch: the confusion matrix as a heatmap table (rows: true class; colour:
// the row's share, viridis; the count is written in every cell) and per-class scores.

import { byId, h } from "../../ui/dom.js";
import { cssColour, inkFor, viridis } from "../../ui/colormaps.js";

function score(v) {
  return v === null || v === undefined ? "\u2013" : v.toFixed(3);
}

function matrixCell(count, rowTotal) {
  const share = rowTotal ? count / rowTotal : 0;
  const lut = Math.round(share * 255);
  return h("td", {
    style: `background: ${cssColour(viridis, lut)}; color: ${inkFor(viridis, lut)}`,
    title: `${count} of ${rowTotal} (${(share * 100).toFixed(0)}%)`,
  }, String(count));
}

function confusionTable(event) {
  const classes = event.classes;
  const head = h("tr", {}, h("th", { scope: "col", class: "corner" }, "true \\ predicted"),
    ...classes.map((c) => h("th", { scope: "col" }, c)));
  const rows = event.confusion_matrix.map((row, i) => {
    const total = row.reduce((a, b) => a + b, 0);
    return h("tr", { class: "matrix-row" }, h("th", { scope: "row" }, classes[i]),
      ...row.map((count) => matrixCell(count, total)));
  });
  return h("table", { id: "confusion-matrix", class: "matrix" },
    h("caption", {}, `Confusion matrix after epoch ${event.epoch} (rows: true class; colour: `
      + "share of the row, dark to bright)"),
    h("thead", {}, head), h("tbody", {}, ...rows));
}

function perClassTable(event) {
  const rows = event.per_class.map((c, i) => h("tr", {},
    h("th", { scope: "row" }, event.classes[i]),
    h("td", {}, score(c.precision)), h("td", {}, score(c.recall)), h("td", {}, score(c.f1)),
    h("td", {}, String(c.support))));
  return h("table", { id: "per-class", class: "data-table numbers" },
    h("caption", {}, `Per class, epoch ${event.epoch}`),
    h("thead", {}, h("tr", {}, ...["Class", "Precision", "Recall", "F1", "Support"].map(
      (t) => h("th", { scope: "col" }, t)))),
    h("tbody", {}, ...rows));
}

export class EvaluationPanel {
  constructor() {
    this.matrix = byId("confusion-wrap");
    this.perClass = byId("per-class-wrap");
    this.waiting = byId("evaluation-waiting");
  }

  reset() {
    this.matrix.replaceChildren();
    this.perClass.replaceChildren();
    this.waiting.hidden = false;
  }

  /** event: an `epoch` event with confusion_matrix, per_class and classes. */
  show(event) {
    if (!event.confusion_matrix || !event.classes) return;
    this.waiting.hidden = true;
    this.matrix.replaceChildren(confusionTable(event));
    this.perClass.replaceChildren(perClassTable(event));
  }
}
