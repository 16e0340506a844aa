// Conv weights [F, C, kh, kw] as tiles (rows: filters, columns: input channels) in the
// diverging palette; a first layer reading 3 channels is drawn in RGB, one tile a filter.
// Plus each layer's weight and gradient norms.

import { t } from "../../i18n.js";
import { byId, fmt, h } from "../../ui/dom.js";
import { diverging } from "../../ui/colormaps.js";
import { blankImage, gridFor, paintRgbTile, paintTile } from "./frames.js";

const MAX_FILTERS = 24;
const MAX_CHANNELS = 16;
const GAP = 1;

function rgbImage(block) {
  const [filters, , kh, kw] = block.shape;
  const { columns, rows } = gridFor(filters, 16);
  const image = blankImage(columns * (kw + GAP) - GAP, rows * (kh + GAP) - GAP);
  for (let f = 0; f < filters; f += 1) {
    paintRgbTile(image, (f % columns) * (kw + GAP), Math.floor(f / columns) * (kh + GAP),
      kw, kh, block.bytes, f * 3 * kh * kw);
  }
  return { image, note: t("RGB: each filter's three colour weights") };
}

function gridImage(block) {
  const [filters, channels, kh, kw] = block.shape;
  const rowsShown = Math.min(filters, MAX_FILTERS);
  const colsShown = Math.min(channels, MAX_CHANNELS);
  if (channels === 1) return singleChannel(block, filters, kh, kw);
  const image = blankImage(colsShown * (kw + GAP) - GAP, rowsShown * (kh + GAP) - GAP);
  for (let f = 0; f < rowsShown; f += 1) {
    for (let c = 0; c < colsShown; c += 1) {
      paintTile(image, c * (kw + GAP), f * (kh + GAP), kw, kh, block.bytes,
        (f * channels + c) * kh * kw, diverging);
    }
  }
  const cut = rowsShown < filters || colsShown < channels;
  return { image, note: cut ? t("first {rows} of {filters} filters \u00d7 {columns} of {channels} channels",
    { rows: rowsShown, filters, columns: colsShown, channels }) : "" };
}

function singleChannel(block, filters, kh, kw) {
  const { columns, rows } = gridFor(filters, 16);
  const image = blankImage(columns * (kw + GAP) - GAP, rows * (kh + GAP) - GAP);
  for (let f = 0; f < filters; f += 1) {
    paintTile(image, (f % columns) * (kw + GAP), Math.floor(f / columns) * (kh + GAP), kw, kh,
      block.bytes, f * kh * kw, diverging);
  }
  return { image, note: t("one tile a filter") };
}

export class FiltersPanel {
  constructor() {
    this.body = byId("filters-body");
    this.waiting = byId("filters-waiting");
  }

  reset(waitingText) {
    this.body.replaceChildren();
    this.waiting.hidden = false;
    this.waiting.textContent = waitingText;
    byId("norms-table").hidden = true;
    byId("norms-body").replaceChildren();
  }

  /** blocks: decodeBlocks() of a filters frame; norms from its header. */
  show(blocks, norms) {
    this.waiting.hidden = blocks.length > 0;
    const firstConv = blocks.length ? blocks[0].index : null;
    this.body.replaceChildren(...blocks.map((b) => this.figure(b, b.index === firstConv)));
    this.showNorms(norms || []);
  }

  figure(block, first) {
    const rgb = first && block.shape[1] === 3;
    const { image, note } = rgb ? rgbImage(block) : gridImage(block);
    const canvas = h("canvas", { class: "pixelated", role: "img" });
    canvas.width = image.width;
    canvas.height = image.height;
    canvas.getContext("2d").putImageData(image, 0, 0);
    const scale = Math.max(1, Math.min(12, Math.floor(320 / image.width))); // small kernels: big
    canvas.style.width = `${image.width * scale}px`;
    const shape = block.shape.join(" \u00d7 ");
    canvas.setAttribute("aria-label", t("Layer {index} weights, {shape}, from {min} to {max}", {
      index: String(block.index), shape, min: fmt(block.min), max: fmt(block.max) }));
    const facts = t(
      "{shape} (filters \u00d7 channels \u00d7 height \u00d7 width), largest |w| {max}",
      { shape, max: fmt(block.max) });
    return h("figure", { class: "layer-figure", dataset: { layer: block.index } },
      h("figcaption", {}, h("strong", {}, t("Layer {index}: {layer}", {
        index: String(block.index), layer: block.layer })),
      ` ${facts}`, note ? ` (${note})` : ""),
      canvas);
  }

  showNorms(norms) {
    const table = byId("norms-table");
    table.hidden = norms.length === 0;
    byId("norms-body").replaceChildren(...norms.map((n) => h("tr", {},
      h("th", { scope: "row" }, t("Layer {index}", { index: String(n.index) })),
      h("td", {}, fmt(n.weight_norm)),
      h("td", {}, n.grad_norm === null ? "\u2013" : fmt(n.grad_norm)))));
  }
}
