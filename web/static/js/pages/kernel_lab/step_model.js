// One filter step as the editor holds it (text, as typed) and as the server wants it (the
// pipeline spec of docs/api.md). Values that do not parse are sent as typed, so the
// server's message, shown next to the control, explains what is wrong.

import { t, tx } from "../../i18n.js";

const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
const INCOMPLETE = /^([-+]?\.?|[-+]?\d+\.?\d*[eE][-+]?)$/;

/** A step's options as the editor holds them (text), from the engine's defaults
 * (GET /api/kernels/vocabulary: mode, padding, padding_amount, stride, dilation). */
export function defaultOptions(defaults) {
  const { mode, padding, padding_amount: amount, stride, dilation } = defaults;
  return { mode, padding, padding_amount: String(amount), stride: String(stride),
    dilation: String(dilation) };
}

/** A text that is still being typed ("", "-", "1e") is not sent yet. */
export function isIncomplete(text) {
  return INCOMPLETE.test(String(text).trim());
}

export function parseNumber(text) {
  const trimmed = String(text).trim();
  return NUMBER.test(trimmed) ? Number(trimmed) : trimmed;
}

function parseScale(text) {
  const trimmed = String(text).trim();
  return NUMBER.test(trimmed) ? Number(trimmed) : trimmed; // "1/9" stays a fraction string
}

/** A sampled, normalized Gaussian, as the server's gaussian_matrix (for display only). */
export function gaussianMatrix(size, sigma) {
  const n = Math.max(1, Math.round(size));
  const radius = (n - 1) / 2;
  const g = Array.from({ length: n }, (_, i) => Math.exp(-((i - radius) ** 2) / (2 * sigma ** 2)));
  const total = g.reduce((a, b) => a + b, 0);
  return g.map((a) => g.map((b) => (a / total) * (b / total)));
}

/** rows x cols of text cells, keeping every value of grid that still has a place; new
 * cells are `fill` ("0"). grid may be missing (a new channel or filter). */
export function resizeGrid(grid, rows, cols, fill = "0") {
  return Array.from({ length: rows }, (_row, r) => Array.from({ length: cols },
    (_cell, c) => (grid && grid[r] && grid[r][c] !== undefined ? grid[r][c] : fill)));
}

function textGrid(matrix) {
  return matrix.map((row) => row.map((v) => String(v)));
}

function textParams(params) {
  return Object.fromEntries(Object.entries(params || {}).map(([k, v]) => [k, String(v)]));
}

/** A fresh step from a catalogue entry (GET /api/kernels), with the given options
 * (defaultOptions(), or optionsOf() the step it replaces). */
export function stepFromPreset(entry, options) {
  return {
    ...options,
    kernel: entry.name,
    basedOn: entry.name,
    cells: entry.matrix ? textGrid(entry.matrix) : null,
    scale: entry.scale || "1",
    normalize: false,
    params: textParams(entry.params),
  };
}

export function optionsOf(step) {
  const { mode, padding, padding_amount: amount, stride, dilation } = step;
  return { mode, padding, padding_amount: amount, stride, dilation };
}

/** Turn a preset step into a custom matrix (after a cell, the scale or normalize changed). */
export function makeCustom(step, catalogue) {
  if (step.kernel === null) return step;
  const entry = catalogue.get(step.kernel);
  let cells = step.cells;
  let scale = step.scale;
  if (entry && entry.name === "gaussian") {
    const size = Number(step.params.size);
    cells = gaussianMatrix(size, Number(step.params.sigma)).map((row) =>
      row.map((v) => String(Number(v.toPrecision(4)))));
    scale = "1";
  }
  return { ...step, kernel: null, cells: cells || [["0", "0", "0"], ["0", "1", "0"],
    ["0", "0", "0"]], scale, params: {} };
}

export function stepLabel(step, catalogue) {
  if (step.kernel !== null) {
    const entry = catalogue.get(step.kernel);
    return entry ? tx(entry.label) : step.kernel;
  }
  const rows = step.cells.length;
  const cols = rows ? step.cells[0].length : 0;
  const base = step.basedOn ? catalogue.get(step.basedOn) : null;
  const size = `${rows}x${cols}`;
  return base ? t("Custom {size} (from {label})", { size, label: tx(base.label) })
    : t("Custom {size}", { size });
}

function optionSpec(step, nonlinear) {
  const spec = {
    mode: step.mode,
    padding: step.padding,
    padding_amount: step.padding_amount === "same" ? "same" : parseNumber(step.padding_amount),
    stride: parseNumber(step.stride),
    dilation: parseNumber(step.dilation),
  };
  if (nonlinear) delete spec.mode;
  return spec;
}

/** The step as the pipeline spec wants it. */
export function stepSpec(step, catalogue) {
  if (step.kernel !== null) {
    const entry = catalogue.get(step.kernel);
    const spec = { kernel: step.kernel };
    if (entry && Object.keys(entry.params).length) {
      spec.params = Object.fromEntries(Object.entries(step.params).map(
        ([k, v]) => [k, parseNumber(v)]));
    }
    return { ...spec, ...optionSpec(step, entry && entry.kind === "nonlinear") };
  }
  return {
    matrix: step.cells.map((row) => row.map(parseNumber)),
    scale: parseScale(step.scale),
    normalize: step.normalize,
    ...optionSpec(step, false),
  };
}

/** True while any typed value is half-written (then the last complete request stands). */
export function stepIncomplete(step) {
  const texts = [step.stride, step.dilation, step.scale, ...Object.values(step.params)];
  if (step.padding_amount !== "same") texts.push(step.padding_amount);
  if (step.kernel === null) texts.push(...step.cells.flat());
  return texts.some(isIncomplete);
}
