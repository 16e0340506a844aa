// The top-k answer: one bar per class, most likely first, the top one highlighted (bold,
// dark bar, "top" written out: never colour alone). A list with the values in text.

import { byId, h } from "../../ui/dom.js";

export function percent(p) {
  if (p > 0 && p < 0.0005) return "<0.1%";
  if (p < 1 && p >= 0.9995) return ">99.9%";
  return `${(p * 100).toFixed(1)}%`;
}

function verdict(label, truth) {
  return label === truth ? ` Right: it is a \u201c${truth}\u201d.`
    : ` Wrong: it is a \u201c${truth}\u201d.`;
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
      ? `${model.name} says \u201c${top.label}\u201d for ${what}, with ${percent(top.probability)}`
        + ` probability.${truth === undefined ? "" : verdict(top.label, truth)}` : "";
    const classes = (model.classes || []).length;
    const shown = predictions.length < classes ? `top ${predictions.length} of ${classes}`
      + " classes" : `all ${classes} classes`;
    this.time.textContent = typeof result.time_ms === "number"
      ? `${shown}, answered in ${Math.round(result.time_ms)} ms` : shown;
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
      top ? h("span", { class: "topk-tag" }, " top") : null));
  }
}
