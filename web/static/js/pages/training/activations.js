// Every layer's output for the probe image: maps [C, H, W] as a grid of tiles, vectors [N]
// as a strip of cells, each through a colour LUT over the block's own range.

import { t } from "../../i18n.js";
import { byId, fmt, h } from "../../ui/dom.js";
import { blockLut } from "../../ui/colormaps.js";
import { blankImage, gridFor, paintTile } from "./frames.js";

const MAX_CHANNELS = 64;
const VECTOR_COLUMNS = 64;
const GAP = 1;


/** A [C, H, W] block as tiles with a 1-pixel gutter; at most MAX_CHANNELS of them. */
function mapImage(block, lut) {
  const [channels, height, width] = block.shape;
  const shown = Math.min(channels, MAX_CHANNELS);
  const { columns, rows } = gridFor(shown, 12);
  const image = blankImage(columns * (width + GAP) - GAP, rows * (height + GAP) - GAP);
  for (let c = 0; c < shown; c += 1) {
    const x = (c % columns) * (width + GAP);
    const y = Math.floor(c / columns) * (height + GAP);
    paintTile(image, x, y, width, height, block.bytes, c * width * height, lut);
  }
  return { image, note: shown < channels
    ? t("first {shown} of {channels} channels", { shown, channels }) : "" };
}

/** A vector [N] (or [C, 1, 1]) as rows of cells, one pixel per value. */
function vectorImage(block, lut) {
  const count = block.bytes.length;
  const columns = Math.min(count, VECTOR_COLUMNS);
  const rows = Math.ceil(count / columns);
  const image = blankImage(columns, rows);
  for (let i = 0; i < count; i += 1) {
    paintTile(image, i % columns, Math.floor(i / columns), 1, 1, block.bytes, i, lut);
  }
  return { image, note: rows > 1 ? t("{columns} values per row", { columns }) : "" };
}

function isMap(block) {
  return block.shape.length === 3 && block.shape[1] * block.shape[2] > 1;
}

/** CSS size of a canvas: pixels scaled up to a readable size, never wider than its panel. */
function displayScale(width, isVector) {
  const target = isVector ? 320 : 360;
  return Math.max(1, Math.min(isVector ? 24 : 6, Math.floor(target / width)));
}

export class ActivationsPanel {
  constructor() {
    this.body = byId("activations-body");
    this.waiting = byId("activations-waiting");
    this.figures = new Map(); // layer index -> {figure, canvas, caption}
  }

  reset(waitingText) {
    this.body.replaceChildren();
    this.figures.clear();
    this.waiting.hidden = false;
    this.waiting.textContent = waitingText;
  }

  /** blocks: decodeBlocks() of an activations frame. */
  show(blocks) {
    this.waiting.hidden = blocks.length > 0;
    const keep = new Set(blocks.map((b) => b.index));
    for (const [index, entry] of this.figures) {
      if (!keep.has(index)) {
        entry.figure.remove();
        this.figures.delete(index);
      }
    }
    for (const block of blocks) this.draw(block);
  }

  figureFor(block) {
    let entry = this.figures.get(block.index);
    if (!entry) {
      const canvas = h("canvas", { class: "pixelated", role: "img" });
      const caption = h("figcaption", {});
      const figure = h("figure", { class: "layer-figure", dataset: { layer: block.index } },
        caption, canvas);
      this.body.append(figure);
      entry = { figure, canvas, caption };
      this.figures.set(block.index, entry);
    }
    return entry;
  }

  draw(block) {
    const { canvas, caption } = this.figureFor(block);
    const lut = blockLut(block.min, block.max);
    const vector = !isMap(block);
    const { image, note } = vector ? vectorImage(block, lut) : mapImage(block, lut);
    canvas.width = image.width;
    canvas.height = image.height;
    canvas.getContext("2d").putImageData(image, 0, 0);
    const scale = displayScale(image.width, vector);
    canvas.style.width = `${image.width * scale}px`;
    const shape = block.shape.join(" \u00d7 ");
    const values = { index: String(block.index), layer: block.layer, shape, min: fmt(block.min),
      max: fmt(block.max) };
    caption.replaceChildren(h("strong", {}, t("Layer {index}: {layer}", values)),
      " ", t("{shape}, values {min} to {max}", values), note ? ` (${note})` : "");
    canvas.setAttribute("aria-label",
      t("Layer {index} ({layer}) output, {shape}, values from {min} to {max}", values));
  }
}
