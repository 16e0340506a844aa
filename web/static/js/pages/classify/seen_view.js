// What the model saw (its input at model size, upscaled with square pixels, and every
// preprocessing step) and where it looked (the saliency map over the input).

import { formatNumber, lang, t } from "../../i18n.js";
import { byId, h } from "../../ui/dom.js";
import { noteText, stepText } from "./server_text.js";

const METHODS = {
  grad_cam: () => t("Grad-CAM (gradient-weighted class activation map)"),
  gradient_x_input: () => t("Gradient \u00d7 input"),
};
const DISPLAY = 168; // CSS pixels for a model-size image

/** Square pixels scaled by a whole number to about DISPLAY pixels wide. */
function upscale(img, width, height) {
  const scale = Math.max(1, Math.floor(DISPLAY / Math.max(width, height)));
  img.width = width * scale;
  img.height = height * scale;
  return scale;
}

function numbers(values) {
  // a decimal comma (pt-BR) cannot also separate the values
  return (values || []).map((v) => formatNumber(v, { maximumSignificantDigits: 4 }))
    .join(lang === "en" ? ", " : "; ");
}

export class SeenView {
  constructor() {
    this.image = byId("input-image");
    this.overlay = byId("saliency-overlay");
    this.heatmap = byId("saliency-heatmap");
  }

  reset() {
    for (const id of ["seen-waiting", "saliency-waiting"]) byId(id).hidden = false;
    for (const id of ["seen-body", "saliency-body"]) byId(id).hidden = true;
  }

  show(result) {
    const pre = result.preprocessing || {};
    const [channels, height, width] = [pre.channels, pre.height, pre.width];
    this.showInput(result, pre, channels, height, width);
    this.showSaliency(result.explanation, height, width);
  }

  showInput(result, pre, channels, height, width) {
    const has = Boolean(result.input_png);
    byId("seen-waiting").hidden = has;
    byId("seen-body").hidden = !has;
    if (!has) return;
    const kind = channels === 1 ? t("grayscale") : t("{channels}-channel", { channels });
    this.image.src = result.input_png;
    const scale = upscale(this.image, width, height);
    const p = { width, height, kind, scale, channels, mean: numbers(pre.mean),
      std: numbers(pre.std) };
    this.image.alt = t("The model's input: {width} \u00d7 {height} {kind}, after preprocessing", p);
    byId("input-caption").textContent = t("{width} \u00d7 {height} {kind}, shown {scale}\u00d7 larger", p);
    byId("preprocessing-steps").replaceChildren(
      ...(pre.steps || []).map((step) => h("li", {}, stepText(step))));
    byId("preprocessing-facts").textContent = pre.inverted
      ? t("Input {channels} \u00d7 {height} \u00d7 {width}; mean {mean}, std {std}; inverted to light on dark.", p)
      : t("Input {channels} \u00d7 {height} \u00d7 {width}; mean {mean}, std {std}; not inverted.", p);
  }

  showSaliency(explanation, height, width) {
    byId("saliency-waiting").hidden = Boolean(explanation);
    byId("saliency-body").hidden = !explanation;
    if (!explanation) return;
    const method = METHODS[explanation.method] ? METHODS[explanation.method]()
      : explanation.method;
    const label = explanation.label;
    // "{method} for "3"": the method in bold, where the sentence puts it
    const [before, after = ""] = t("{method} for \u201c{label}\u201d", { label }).split("{method}");
    byId("saliency-method").replaceChildren(before, h("strong", {}, method), after);
    this.overlay.src = explanation.overlay_png;
    this.heatmap.src = explanation.heatmap_png;
    for (const img of [this.overlay, this.heatmap]) upscale(img, width, height);
    this.overlay.alt = t("{method} saliency for \u201c{label}\u201d over the input", { method, label });
    this.heatmap.alt = t("{method} saliency map for \u201c{label}\u201d", { method, label });
    this.overlay.dataset.method = explanation.method;
    byId("saliency-note").textContent = noteText(explanation.note || "");
  }
}
