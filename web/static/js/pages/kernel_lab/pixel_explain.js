// "How was this pixel made?": the input neighbourhood, the weights, the products and their
// sum for one result pixel (POST /api/kernels/explain); for non-linear filters the
// neighbourhood and the median / minimum / maximum it picked.

import { byId, h } from "../../ui/dom.js";
import { t, tx } from "../../i18n.js";
import { listed, num } from "./numbers.js";
import { pixelText } from "./walk_text.js";
import { productGrid, zipWindow } from "./sum_grid.js";

const NONLINEAR_VALUES = {
  median: (value) => t("median = {value}", { value }),
  min: (value) => t("minimum = {value}", { value }),
  max: (value) => t("maximum = {value}", { value }),
  bilateral: (value) => t("edge-aware weighted average = {value}", { value }),
};

const MAPPINGS = {
  clip: () => t("clipped to 0..255"),
  abs: () => t("absolute value"),
  offset: () => t("+128, clipped"),
  normalize: () => t("min-max normalized"),
};

function isPadded(info) {
  return (r, c) => info.rows[r] === null || info.cols[c] === null;
}

function sliceFor(kernel, channel) {
  return Array.isArray(kernel[0][0]) ? kernel[channel] : kernel;
}

function linearBlocks(info) {
  const padded = isPadded(info);
  return info.channels.map((channel, c) => {
    const name = tx(channel.name);
    const grids = info.weights.map((kernel, k) => {
      const caption = info.weights.length === 2 ? `${name}: ${k ? "Gy" : "Gx"}`
        : t("{name} channel", { name });
      return productGrid(zipWindow(channel.inputs, sliceFor(kernel, c), padded), caption);
    });
    const sum = info.op === "gradient_magnitude"
      ? listed([`Gx = ${num(channel.gx)}`, `Gy = ${num(channel.gy)}`])
      : t("sum of products = {value}", { value: num(channel.sum) });
    return h("div", { class: "explain-channel" }, grids, h("p", { class: "explain-sum" }, sum));
  });
}

function nonlinearBlocks(info) {
  return info.channels.map((channel, c) => {
    const value = info.value[c];
    const cells = zipWindow(channel.inputs, null, () => false).map((row) => row.map(
      (cell) => ({ ...cell, mark: info.op !== "bilateral" && cell.input === value })));
    return h("div", { class: "explain-channel" },
      productGrid(cells, t("{name} neighbourhood", { name: tx(channel.name) })),
      h("p", { class: "explain-sum" }, NONLINEAR_VALUES[info.op](num(value))));
  });
}

function outputLine(info, output) {
  const mapping = MAPPINGS[output];
  return t("Output value {values} \u2192 pixel {pixels} ({mapping})", {
    values: listed(info.value.map(num)), pixels: listed(info.pixel.map(String)),
    mapping: mapping ? mapping() : output });
}

function heading(info, meta) {
  const params = { x: String(info.x), y: String(info.y), label: meta.label ?? tx(info.label),
    step: info.step + 1, steps: meta.steps };
  return meta.steps > 1
    ? t("Result pixel (x {x}, y {y}): {label} (step {step} of {steps}, on the previous step's output)", params)
    : t("Result pixel (x {x}, y {y}): {label}", params);
}

export class PixelExplain {
  constructor() {
    this.panel = byId("explain-panel");
    this.body = byId("explain-body");
    this.heading = byId("explain-heading");
  }

  /** meta: {steps: number of steps, output: the output mapping, label: the step's name} */
  show(info, meta) {
    const nonlinear = !["linear", "gradient_magnitude"].includes(info.op);
    this.heading.textContent = heading(info, meta);
    const blocks = nonlinear ? nonlinearBlocks(info) : linearBlocks(info);
    const notes = [];
    if (nonlinear) notes.push(h("p", { class: "badge-nonlinear" }, t("Not a convolution")));
    if (info.summed_over_channels) {
      const total = info.channels.reduce((a, ch) => a + (ch.sum ?? 0), 0);
      notes.push(h("p", { class: "explain-sum" }, info.op === "gradient_magnitude"
        ? t("Gx and Gy are summed over the channels first, as a CNN filter does")
        : t("summed over the channels = {value}", { value: num(total) })));
    }
    this.body.replaceChildren(
      h("div", { class: "explain-channels" }, blocks), ...notes,
      h("p", { class: "explain-output", id: "explain-output" }, outputLine(info, meta.output)),
      h("p", { class: "explain-text", id: "explain-text" }, pixelText(info)));
  }

  message(text) {
    this.body.replaceChildren(h("p", { class: "explain-hint" }, text));
  }
}
