// A small grid of input values x weights = products (the weighted sum behind one output),
// shared by the pixel explanation and the numeric walk-through.

import { h } from "../../ui/dom.js";
import { t } from "../../i18n.js";
import { num } from "./numbers.js";
import { largestMagnitude, paintWeight } from "./weight_colours.js";

const MAX_SHOWN = 11;

/** cells: rows of {input, weight?, product?, padding?, mark?}; weight absent for non-linear
 * filters (then only the neighbourhood is shown, `mark` highlights the chosen value). */
export function productGrid(cells, caption) {
  const rows = cells.length;
  const cols = rows ? cells[0].length : 0;
  if (rows > MAX_SHOWN || cols > MAX_SHOWN) {
    return h("p", { class: "sum-note" },
      t("{caption}: a {size} window has {n} products, too many to show here.",
        { caption, size: `${rows}x${cols}`, n: rows * cols }));
  }
  const scale = largestMagnitude(cells.map((row) => row.map((c) => c.weight ?? 0)));
  const body = cells.map((row) => h("tr", {}, row.map((cell) => productCell(cell, scale))));
  return h("table", { class: "sum-grid" }, h("caption", {}, caption), h("tbody", {}, body));
}

function productCell(cell, scale) {
  const classes = ["term"];
  if (cell.padding) classes.push("padding");
  if (cell.mark) classes.push("marked");
  const parts = [h("span", { class: "term-input" }, num(cell.input))];
  if (cell.weight !== undefined) {
    const weight = h("span", { class: "term-weight" }, `\u00d7 ${num(cell.weight)}`);
    paintWeight(weight, cell.weight, scale);
    parts.push(weight, h("span", { class: "term-product" }, `= ${num(cell.product)}`));
  }
  const label = cell.weight === undefined ? num(cell.input)
    : t("{input} times {weight} is {product}", { input: num(cell.input),
      weight: num(cell.weight), product: num(cell.product) });
  return h("td", { class: classes.join(" "), "aria-label": label }, parts);
}

/** Zip an input window with a kernel: [[{input, weight, product}]]. */
export function zipWindow(inputs, weights, padded = () => false) {
  return inputs.map((row, r) => row.map((input, c) => {
    const weight = weights ? weights[r][c] : undefined;
    const cell = { input, padding: padded(r, c) };
    if (weight !== undefined) Object.assign(cell, { weight, product: input * weight });
    return cell;
  }));
}
