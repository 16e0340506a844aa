// Every layer's output for the image: type, shape and statistics in text; a grid of up to
// 16 channel maps (server-drawn, grey levels, each map on its own scale) for
// convolution-shaped layers; bars of the first values for one-dimensional layers.

import { formatNumber, t } from "../../i18n.js";
import { byId, fmt, h } from "../../ui/dom.js";
import { cssColour, diverging } from "../../ui/colormaps.js";

const BAR_HEIGHT = 48;
const BAR_WIDTH = 4;
const MAP_DISPLAY = 200; // about this many CSS pixels wide for a map grid

const times = (shape) => shape.join(" \u00d7 ");
const count = (shape) => shape.reduce((a, b) => a * b, 1);

/** One bar per value, up from (or down from) the zero line; blue negative, orange
 * positive, the same ends as the weight palette. */
function barsCanvas(values) {
  const canvas = h("canvas", { class: "act-bars", width: values.length * BAR_WIDTH,
    height: BAR_HEIGHT });
  const c = canvas.getContext("2d");
  const top = Math.max(0, ...values);
  const bottom = Math.min(0, ...values);
  const span = top - bottom || 1;
  const zero = (top / span) * BAR_HEIGHT;
  c.fillStyle = "#f7f7f7";
  c.fillRect(0, 0, canvas.width, canvas.height);
  values.forEach((v, i) => {
    const length = (Math.abs(v) / span) * BAR_HEIGHT;
    c.fillStyle = cssColour(diverging, v < 0 ? 0 : 255);
    c.fillRect(i * BAR_WIDTH, v < 0 ? zero : zero - length, BAR_WIDTH - 1, Math.max(
      v === 0 ? 0 : 1, length));
  });
  c.fillStyle = "#767676";
  c.fillRect(0, Math.min(BAR_HEIGHT - 1, Math.round(zero)), canvas.width, 1);
  return canvas;
}

function mapImage(layer) {
  const img = h("img", { class: "pixelated act-map", src: layer.png,
    alt: t("Layer {index} ({type}): {shown} channel maps of {height} \u00d7 {width}", {
      index: layer.index, type: layer.type, shown: layer.channels_shown || "",
      height: layer.shape[1], width: layer.shape[2] }) });
  img.addEventListener("load", () => {
    const scale = Math.max(1, Math.min(8, Math.floor(MAP_DISPLAY / img.naturalWidth)));
    img.width = img.naturalWidth * scale;
  }, { once: true });
  return img;
}

function stats(layer) {
  return h("dl", { class: "act-stats" },
    h("div", {}, h("dt", {}, t("mean")), h("dd", {}, fmt(layer.mean))),
    h("div", {}, h("dt", {}, t("max")), h("dd", {}, fmt(layer.max))),
    h("div", {}, h("dt", {}, t("zero")), h("dd", {}, formatNumber(layer.fraction_zero,
      { style: "percent", maximumFractionDigits: 0 }))));
}

function picture(layer) {
  const total = count(layer.shape);
  if (layer.png) {
    const channels = layer.shape[0];
    const shown = layer.channels_shown || Math.min(channels, 16);
    return [mapImage(layer), shown < channels
      ? h("p", { class: "hint" }, t("first {shown} of {channels} channels", { shown, channels }))
      : null];
  }
  if (Array.isArray(layer.values) && layer.values.length) {
    const values = layer.values;
    const canvas = barsCanvas(values);
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", t("Layer {index} values as bars, from {low} to {high}", {
      index: layer.index, low: fmt(Math.min(...values)), high: fmt(Math.max(...values)) }));
    return [canvas, values.length < total
      ? h("p", { class: "hint" }, t("first {shown} of {total} values",
        { shown: values.length, total })) : null];
  }
  return [];
}

export class ActivationsView {
  constructor() {
    this.body = byId("activations-body");
    this.waiting = byId("activations-waiting");
  }

  reset() {
    this.body.replaceChildren();
    this.waiting.hidden = false;
  }

  show(layers) {
    const list = layers || [];
    this.waiting.hidden = list.length > 0;
    this.body.replaceChildren(...list.map((layer) => h("li", {
      class: `act-layer${layer.png ? " act-map-layer" : ""}`,
      dataset: { layer: layer.index, type: layer.type } },
    h("p", { class: "act-title" }, h("strong", {}, `${layer.index}. ${layer.type}`),
      ` ${times(layer.shape)}`),
    ...picture(layer),
    stats(layer))));
  }
}
