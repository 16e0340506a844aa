// The network drawn as volumes, left to right: each [C, H, W] output is a box with its
// width and height to scale and its depth (channels) on a log scale, seen obliquely;
// a vector [N] is a thin bar (height on a log scale). Each block is labelled with its shape.

import { t } from "../../i18n.js";
import { svg } from "../../ui/dom.js";
import * as format from "./format.js";

const MAX_SIDE_PX = 150;
const MAX_SCALE = 4;
const GAP = 22;
const CHAR_PX = 6.4;
const SLANT = 0.6; // the depth axis: right and up

/** Channels -> depth in pixels (log scale): 1 -> 4, 16 -> 36, 512 -> 76. */
function depthPx(channels) {
  return 4 + 8 * Math.log2(Math.max(1, channels));
}

/** The box of one shape: front face w x h, depth offset (dx, dy). */
function geometry(shape, scale) {
  if (!shape) return { w: 34, h: 34, dx: 0, dy: 0, unknown: true };
  if (shape.length === 1) {
    return { w: 7, h: 14 + 20 * Math.log10(Math.max(1, shape[0])), dx: 3, dy: 3, vector: true };
  }
  const [c, hgt, wid] = shape;
  const d = depthPx(c);
  return { w: Math.max(2, wid * scale), h: Math.max(2, hgt * scale), dx: d * SLANT, dy: d * SLANT };
}

function faces(g, x, y) {
  const { w, h, dx, dy } = g;
  const top = `${x},${y} ${x + dx},${y - dy} ${x + w + dx},${y - dy} ${x + w},${y}`;
  const side = `${x + w},${y} ${x + w + dx},${y - dy} ${x + w + dx},${y + h - dy} ${x + w},${y + h}`;
  return [
    svg("polygon", { class: "vis-top", points: top }),
    svg("polygon", { class: "vis-side", points: side }),
    svg("rect", { class: "vis-front", x, y, width: w, height: h }),
  ];
}

function unknownBox(x, y) {
  return [svg("rect", { class: "vis-unknown", x, y, width: 34, height: 34 }),
    svg("text", { class: "vis-q", x: x + 17, y: y + 22, "text-anchor": "middle" }, "?")];
}

function shortLabel(label) {
  return label.replace(/\s*\(.*\)$/, "");
}

/** blocks: [{label, shape, category, index}] with index null for the input. */
function layout(blocks) {
  const sides = blocks.filter((b) => b.shape && b.shape.length === 3)
    .flatMap((b) => [b.shape[1], b.shape[2]]);
  const scale = Math.min(MAX_SCALE, MAX_SIDE_PX / Math.max(1, ...sides));
  let x = 10;
  return blocks.map((block) => {
    const g = geometry(block.shape, scale);
    const text = Math.max(block.title.length, block.shapeText.length) * CHAR_PX;
    const slot = Math.max(g.w + g.dx, text);
    const placed = { ...block, g, x: x + (slot - g.w - g.dx) / 2, mid: x + slot / 2 };
    x += slot + GAP;
    return placed;
  });
}

function blockGroup(b, centre, textY) {
  const y = centre - (b.g.h - b.g.dy) / 2;
  const cls = b.index === null ? "vis-block vis-input" : "vis-block vis-layer";
  const title = b.index === null ? t("Input, {shape}", { shape: b.shapeText })
    : t("Layer {position}: {layer}, {shape}", { position: b.index + 1, layer: b.label,
      shape: b.shapeText });
  return svg("g", { class: cls, "data-category": b.category, "data-index": b.index },
    svg("title", {}, title),
    ...(b.g.unknown ? unknownBox(b.x, y) : faces(b.g, b.x, y)),
    svg("text", { class: "vis-label", x: b.mid, y: textY, "text-anchor": "middle" }, b.title),
    svg("text", { class: "vis-shape", x: b.mid, y: textY + 14, "text-anchor": "middle" },
      b.shapeText));
}

/** Draw into `target` (an <svg>): the input, then one block per layer. */
export function drawNetwork(target, inputShape, layers) {
  const blocks = [{ index: null, label: t("Input"), title: t("Input"), shape: inputShape,
    category: "input", shapeText: format.shape(inputShape) }];
  layers.forEach((layer, index) => blocks.push({
    index, label: layer.label, title: `${index + 1} ${shortLabel(layer.label)}`,
    shape: layer.shape, category: layer.category, shapeText: format.shape(layer.shape),
  }));
  const placed = layout(blocks);
  const centre = 12 + Math.max(...placed.map((b) => (b.g.h + b.g.dy) / 2));
  const textY = centre + Math.max(...placed.map((b) => (b.g.h + b.g.dy) / 2)) + 16;
  const last = placed[placed.length - 1];
  const width = Math.ceil(last.x + last.g.w + last.g.dx + 40);
  target.replaceChildren(...placed.map((b) => blockGroup(b, centre, textY)));
  target.setAttribute("width", Math.max(width, 200));
  target.setAttribute("height", Math.ceil(textY + 24));
  target.setAttribute("viewBox", `0 0 ${Math.max(width, 200)} ${Math.ceil(textY + 24)}`);
  const list = blocks.map((b) => `${b.label} ${b.shapeText}`).reduce(
    (first, then) => t("{first}, then {then}", { first, then }));
  target.setAttribute("aria-label", t("The network drawn as volumes: {blocks}.", { blocks: list }));
}
