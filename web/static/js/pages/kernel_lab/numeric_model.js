// The numeric walk-through's numbers as typed (text), resized in place, and the
// POST /api/matrix request built from them.

import { parseNumber, resizeGrid } from "./step_model.js";

const text = (grid) => JSON.parse(JSON.stringify(grid), (k, v) => (typeof v === "number"
  ? String(v) : v));

/** Output `position` (0-based, row-major over [K, H', W'], the server's output_shape) as the
 * {channel, row, col} that POST /api/matrix explains; clamped into the output. */
export function positionIn(shape, position) {
  const [, height, width] = shape;
  const total = shape[0] * height * width;
  const p = Math.min(Math.max(position, 0), total - 1);
  const per = height * width;
  return { channel: Math.floor(p / per), row: Math.floor((p % per) / width), col: p % width };
}

export function isPooling(op) {
  return op === "max_pool" || op === "avg_pool";
}

/** Where an arrow key (or Home / End) moves a walk-through over `total` positions laid out
 * `width` to a row: the new position, or null when the key is not a move. */
export function keyTarget(key, position, width, total) {
  const moves = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: width, ArrowUp: -width };
  if (key in moves) return position + moves[key];
  if (key === "Home") return 0;
  if (key === "End") return total - 1;
  return null;
}

export class NumericModel {
  load(example) {
    this.op = example.op;
    this.stride = String(example.stride);
    this.padding = String(example.padding);
    this.size = String(example.size);
    this.dilation = String(example.dilation ?? 1);
    this.input = text(example.input);
    this.kernels = text(example.kernels);
    this.bias = text(example.bias);
  }

  dims() {
    return { channels: this.input.length, height: this.input[0].length,
      width: this.input[0][0].length, filters: this.kernels.length,
      ksize: this.kernels[0][0].length };
  }

  /** Resize to new dimensions, keeping every value that still has a place. */
  resize({ channels, height, width, filters, ksize }) {
    this.input = Array.from({ length: channels }, (_, c) => resizeGrid(this.input[c], height, width));
    this.kernels = Array.from({ length: filters }, (_filter, f) => Array.from({ length: channels },
      (_, c) => resizeGrid(this.kernels[f] && this.kernels[f][c], ksize, ksize)));
    this.bias = Array.from({ length: filters }, (_, f) => this.bias[f] ?? "0");
  }

  paddingValue() {
    const trimmed = this.padding.trim();
    return trimmed === "same" || trimmed === "valid" ? trimmed : parseNumber(trimmed);
  }

  /** The window's taps (kh x kw) and the gap between them (d, the dilation). */
  window() {
    const pooling = isPooling(this.op);
    const k = pooling ? Number(this.size) : this.kernels[0][0].length;
    const size = Number.isInteger(k) && k > 0 ? k : 1;
    const d = pooling ? 1 : Number(this.dilation);
    return { kh: size, kw: size, d: Number.isInteger(d) && d > 0 ? d : 1 };
  }

  body(position) {
    const body = { op: this.op, input: this.input.map((g) => g.map((r) => r.map(parseNumber))),
      padding: this.paddingValue() };
    if (this.stride.trim() !== "") body.stride = parseNumber(this.stride);
    if (isPooling(this.op)) body.size = parseNumber(this.size);
    else {
      body.kernels = this.kernels.map((f) => f.map((g) => g.map((r) => r.map(parseNumber))));
      body.bias = this.bias.map(parseNumber);
      body.dilation = parseNumber(this.dilation);
    }
    if (position) body.explain = position;
    return body;
  }
}
