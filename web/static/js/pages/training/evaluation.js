// After each epoch: the confusion matrix as a heatmap table (rows: true class; colour:
// the row's share, viridis; the count is written in every cell) and per-class scores.

import { formatNumber, t } from "../../i18n.js";
import { byId, h } from "../../ui/dom.js";
import { cssColour, inkFor, viridis } from "../../ui/colormaps.js";

function score(v) {
  return v === null || v === undefined ? "\u2013"
    : formatNumber(v, { minimumFractionDigits: 3, maximumFractionDigits: 3 });
}

function matrixCell(count, rowTotal) {
  const share = rowTotal ? count / rowTotal : 0;
  const lut = Math.round(share * 255);
  return h("td", {
    style: `background: ${cssColour(viridis, lut)}; color: ${inkFor(viridis, lut)}`,
    title: t("{count} of {total} ({share})", { count, total: rowTotal,
      share: formatNumber(share, { style: "percent", maximumFractionDigits: 0 }) }),
  }, String(count));
}

function confusionTable(event) {
  const classes = event.classes;
  const head = h("tr", {}, h("th", { scope: "col", class: "corner" }, t("true \\ predicted")),
    ...classes.map((c) => h("th", { scope: "col" }, c)));
  const rows = event.confusion_matrix.map((row, i) => {
    const total = row.reduce((a, b) => a + b, 0);
    return h("tr", { class: "matrix-row" }, h("th", { scope: "row" }, classes[i]),
      ...row.map((count) => matrixCell(count, total)));
  });
  return h("table", { id: "confusion-matrix", class: "matrix" },
    h("caption", {}, t("Confusion matrix after epoch {epoch} (rows: true class; colour: share of the row, dark to bright)",
      { epoch: String(event.epoch) })),
    h("thead", {}, head), h("tbody", {}, ...rows));
}

function perClassTable(event) {
  const rows = event.per_class.map((c, i) => h("tr", {},
    h("th", { scope: "row" }, event.classes[i]),
    h("td", {}, score(c.precision)), h("td", {}, score(c.recall)), h("td", {}, score(c.f1)),
    h("td", {}, String(c.support))));
  return h("table", { id: "per-class", class: "data-table numbers" },
    h("caption", {}, t("Per class, epoch {epoch}", { epoch: String(event.epoch) })),
    h("thead", {}, h("tr", {}, ...[t("Class"), t("Precision"), t("Recall"), "F1", t("Support")]
      .map((text) => h("th", { scope: "col" }, text)))),
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
