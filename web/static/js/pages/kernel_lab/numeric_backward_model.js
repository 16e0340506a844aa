// The numeric walk-through's backward tab, as data: the typed dL/dY (or target), the
// learning rate, which gradient is walked and where, and the `backward` part of the
// POST /api/matrix request built from them (docs/api.md, "Backward").

import { parseNumber, resizeGrid } from "./step_model.js";
import { t } from "../../i18n.js";

/** The index names of each gradient, as backward.explain takes them. */
const INDEX = { input: ["channel", "row", "col"], kernel: ["kernel", "channel", "row", "col"],
  bias: ["kernel"] };

/** The shape of the gradient of `of` for the walk-through's dims (NumericModel.dims()). */
export function gradientShape(of, dims) {
  if (of === "input") return [dims.channels, dims.height, dims.width];
  if (of === "kernel") return [dims.filters, dims.channels, dims.ksize, dims.ksize];
  return [dims.filters];
}

/** Entry `position` (row-major, clamped into the shape) as backward.explain. */
export function entryAt(of, shape, position) {
  const total = shape.reduce((a, b) => a * b, 1);
  let rest = Math.min(Math.max(position, 0), total - 1);
  const index = new Array(shape.length);
  for (let axis = shape.length - 1; axis >= 0; axis -= 1) {
    index[axis] = rest % shape[axis];
    rest = Math.floor(rest / shape[axis]);
  }
  return { of, ...Object.fromEntries(INDEX[of].map((name, i) => [name, index[i]])) };
}

/** The 1-based words for an entry: "kernel 1, channel 2, row 1, column 3". */
export function entryWords(entry) {
  const at = Object.fromEntries(INDEX[entry.of].map((name) => [name, entry[name] + 1]));
  if (entry.of === "input") return t("channel {channel}, row {row}, column {col}", at);
  if (entry.of === "kernel") return t("kernel {kernel}, channel {channel}, row {row}, column {col}", at);
  return t("kernel {kernel}", at);
}

export class BackwardModel {
  constructor() {
    this.loss = "output_grad"; // or "target"
    this.grids = { output_grad: [], target: [] };
    this.lr = "0.01";
    this.of = "input";
    this.position = 0;
  }

  /** Fit the typed grids to the output shape [K, H', W'], keeping every value that still
   * has a place; new cells of dL/dY are 1 (L = the sum of the outputs), of a target 0. */
  fit(shape) {
    const [k, oh, ow] = shape;
    for (const [name, fill] of [["output_grad", "1"], ["target", "0"]]) {
      this.grids[name] = Array.from({ length: k },
        (_, i) => resizeGrid(this.grids[name][i], oh, ow, fill));
    }
  }

  /** Every value of the grid being typed set to `text` ("1": all ones). */
  fill(text) {
    this.grids[this.loss] = this.grids[this.loss].map((g) => g.map((r) => r.map(() => text)));
  }

  /** The `backward` part of the request; `entry` from entryAt, lr only where there are
   * weights to update. */
  body(entry, pooling) {
    const grids = this.grids[this.loss].map((g) => g.map((r) => r.map(parseNumber)));
    const body = { [this.loss]: grids, explain: entry };
    if (!pooling && this.lr.trim() !== "") body.lr = parseNumber(this.lr);
    return body;
  }
}
