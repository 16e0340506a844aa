// "How was this pixel made?": the input neighbourhood, the weights, the products and their
// sum for one result pixel (POST /api/kernels/explain); for non-linear filters the
// neighbourhood and the median / minimum / maximum it picked.

import { byId, fmt, h } from "../../ui/dom.js";
import { productGrid, zipWindow } from "./sum_grid.js";

const NONLINEAR_NAMES = { median: "median", min: "minimum", max: "maximum",
  bilateral: "edge-aware weighted average" };

function isPadded(info) {
  return (r, c) => info.rows[r] === null || info.cols[c] === null;
}

function sliceFor(kernel, channel) {
  return Array.isArray(kernel[0][0]) ? kernel[channel] : kernel;
}

function linearBlocks(info) {
  const padded = isPadded(info);
  return info.channels.map((channel, c) => {
    const grids = info.weights.map((kernel, k) => {
      const caption = info.weights.length === 2 ? `${channel.name}: ${k ? "Gy" : "Gx"}`
        : `${channel.name} channel`;
      return productGrid(zipWindow(channel.inputs, sliceFor(kernel, c), padded), caption);
    });
    const sum = info.op === "gradient_magnitude"
      ? `Gx = ${fmt(channel.gx)}, Gy = ${fmt(channel.gy)}`
      : `sum of products = ${fmt(channel.sum)}`;
    return h("div", { class: "explain-channel" }, grids, h("p", { class: "explain-sum" }, sum));
  });
}

function nonlinearBlocks(info) {
  return info.channels.map((channel, c) => {
    const value = info.value[c];
    const cells = zipWindow(channel.inputs, null, () => false).map((row) => row.map(
      (cell) => ({ ...cell, mark: info.op !== "bilateral" && cell.input === value })));
    return h("div", { class: "explain-channel" },
      productGrid(cells, `${channel.name} neighbourhood`),
      h("p", { class: "explain-sum" }, `${NONLINEAR_NAMES[info.op]} = ${fmt(value)}`));
  });
}

function outputLine(info, output) {
  const values = info.value.map(fmt).join(", ");
  const pixels = info.pixel.join(", ");
  const mapping = { clip: "clipped to 0..255", abs: "absolute value", offset: "+128, clipped",
    normalize: "min-max normalized" }[output];
  return `Output value ${values} \u2192 pixel ${pixels} (${mapping})`;
}

export class PixelExplain {
  constructor() {
    this.panel = byId("explain-panel");
    this.body = byId("explain-body");
    this.heading = byId("explain-heading");
  }

  /** meta: {steps: number of steps, output: the output mapping} */
  show(info, meta) {
    const nonlinear = !["linear", "gradient_magnitude"].includes(info.op);
    this.heading.textContent = `Result pixel (x ${info.x}, y ${info.y}): ${info.label}` +
      (meta.steps > 1 ? ` (step ${info.step + 1} of ${meta.steps}, on the previous step's output)`
        : "");
    const blocks = nonlinear ? nonlinearBlocks(info) : linearBlocks(info);
    const notes = [];
    if (nonlinear) notes.push(h("p", { class: "badge-nonlinear" }, "Not a convolution"));
    if (info.summed_over_channels) {
      const total = info.channels.reduce((a, ch) => a + (ch.sum ?? 0), 0);
      notes.push(h("p", { class: "explain-sum" }, info.op === "gradient_magnitude"
        ? "Gx and Gy are summed over the channels first, as a CNN filter does"
        : `summed over the channels = ${fmt(total)}`));
    }
    this.body.replaceChildren(
      h("div", { class: "explain-channels" }, blocks), ...notes,
      h("p", { class: "explain-output", id: "explain-output" }, outputLine(info, meta.output)),
      h("p", { class: "explain-text", id: "explain-text" }, info.text));
  }

  message(text) {
    this.body.replaceChildren(h("p", { class: "explain-hint" }, text));
  }
}
