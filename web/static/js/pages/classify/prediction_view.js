// The top-k answer: one bar per class, most likely first, the top one highlighted (bold,
// dark bar, "top" written out: never colour alone). A list with the values in text.

import { formatNumber, t } from "../../i18n.js";
import { byId, h } from "../../ui/dom.js";

export function percent(p) {
  const style = { style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1 };
  if (p > 0 && p < 0.0005) return `<${formatNumber(0.001, style)}`;
  if (p < 1 && p >= 0.9995) return `>${formatNumber(0.999, style)}`;
  return formatNumber(p, style);
}

function verdict(label, truth) {
  return label === truth ? t("Right: it is a \u201c{truth}\u201d.", { truth })
    : t("Wrong: it is a \u201c{truth}\u201d.", { truth });
}

export class PredictionView {
  constructor() {
    this.list = byId("topk");
    this.summary = byId("prediction-summary");
    this.waiting = byId("prediction-waiting");
    this.time = byId("prediction-time");
  }

  reset(text) {
    this.list.replaceChildren();
    this.summary.textContent = "";
    this.time.textContent = "";
    this.waiting.hidden = false;
    if (text) this.waiting.textContent = text;
  }

  /** result: the predict answer; what: "your drawing", the file name...; truth: the true
   * class of a test image (undefined otherwise). */
  show(result, model, what, truth) {
    const predictions = result.predictions || [];
    this.waiting.hidden = predictions.length > 0;
    this.list.replaceChildren(...predictions.map((p, rank) => this.row(p, rank)));
    const [top] = predictions;
    this.summary.textContent = top
      ? t("{model} says \u201c{label}\u201d for {what}, with {percent} probability.", {
        model: model.name, label: top.label, what, percent: percent(top.probability) })
        + (truth === undefined ? "" : ` ${verdict(top.label, truth)}`) : "";
    const classes = (model.classes || []).length;
    const shown = predictions.length < classes
      ? t("top {k} of {n} classes", { k: predictions.length, n: classes })
      : t("all {n} classes", { n: classes });
    this.time.textContent = typeof result.time_ms === "number"
      ? t("{shown}, answered in {ms} ms", { shown, ms: Math.round(result.time_ms) }) : shown;
  }

  row(prediction, rank) {
    const top = rank === 0;
    const width = Math.max(0, Math.min(100, prediction.probability * 100));
    return h("li", { class: `topk-row${top ? " best" : ""}`, dataset: { label: prediction.label,
      probability: prediction.probability } },
    h("span", { class: "topk-label" }, prediction.label),
    h("span", { class: "topk-track", "aria-hidden": "true" },
      h("span", { class: "topk-fill", style: `width: ${width.toFixed(2)}%` })),
    h("span", { class: "topk-value" }, percent(prediction.probability),
      top ? h("span", { class: "topk-tag" }, " ", t("top")) : null));
  }
}
