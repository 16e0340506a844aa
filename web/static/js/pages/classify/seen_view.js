// What the model saw (its input at model size, upscaled with square pixels, and every
// preprocessing step) and where it looked (the saliency map over the input).

import { byId, h } from "../../ui/dom.js";

const METHODS = {
  grad_cam: "Grad-CAM (gradient-weighted class activation map)",
  gradient_x_input: "Gradient \u00d7 input",
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
  return (values || []).map((v) => Number(v.toPrecision(4))).join(", ");
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
    const kind = channels === 1 ? "grayscale" : `${channels}-channel`;
    this.image.src = result.input_png;
    const scale = upscale(this.image, width, height);
    this.image.alt = `The model's input: ${width} \u00d7 ${height} ${kind}, after preprocessing`;
    byId("input-caption").textContent = `${width} \u00d7 ${height} ${kind}, shown `
      + `${scale}\u00d7 larger`;
    byId("preprocessing-steps").replaceChildren(
      ...(pre.steps || []).map((step) => h("li", {}, step)));
    byId("preprocessing-facts").textContent = `Input ${channels} \u00d7 ${height} \u00d7 `
      + `${width}; mean ${numbers(pre.mean)}, std ${numbers(pre.std)}; `
      + (pre.inverted ? "inverted to light on dark." : "not inverted.");
  }

  showSaliency(explanation, height, width) {
    byId("saliency-waiting").hidden = Boolean(explanation);
    byId("saliency-body").hidden = !explanation;
    if (!explanation) return;
    const method = METHODS[explanation.method] || explanation.method;
    byId("saliency-method").replaceChildren(
      h("strong", {}, method), ` for \u201c${explanation.label}\u201d`);
    this.overlay.src = explanation.overlay_png;
    this.heatmap.src = explanation.heatmap_png;
    for (const img of [this.overlay, this.heatmap]) upscale(img, width, height);
    this.overlay.alt = `${method} saliency for \u201c${explanation.label}\u201d over the input`;
    this.heatmap.alt = `${method} saliency map for \u201c${explanation.label}\u201d`;
    this.overlay.dataset.method = explanation.method;
    byId("saliency-note").textContent = explanation.note || "";
  }
}
