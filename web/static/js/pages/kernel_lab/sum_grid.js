// A small grid of input values x weights = products (the weighted sum behind one output),
// shared by the pixel explanation and the numeric walk-through.

import { fmt, h } from "../../ui/dom.js";
import { largestMagnitude, paintWeight } from "./weight_colours.js";

const MAX_SHOWN = 11;

/** cells: rows of {input, weight?, product?, padding?, mark?}; weight absent for non-linear
 * filters (then only the neighbourhood is shown, `mark` highlights the chosen value). */
export function productGrid(cells, caption) {
  const rows = cells.length;
  const cols = rows ? cells[0].length : 0;
  if (rows > MAX_SHOWN || cols > MAX_SHOWN) {
    return h("p", { class: "sum-note" },
      `${caption}: a ${rows}x${cols} window has ${rows * cols} products, too many to show here.`);
  }
  const scale = largestMagnitude(cells.map((row) => row.map((c) => c.weight ?? 0)));
  const body = cells.map((row) => h("tr", {}, row.map((cell) => productCell(cell, scale))));
  return h("table", { class: "sum-grid" }, h("caption", {}, caption), h("tbody", {}, body));
}

function productCell(cell, scale) {
  const classes = ["term"];
  if (cell.padding) classes.push("padding");
  if (cell.mark) classes.push("marked");
  const parts = [h("span", { class: "term-input" }, cell.padding && cell.input === null
    ? "pad" : fmt(cell.input))];
  if (cell.weight !== undefined) {
    const weight = h("span", { class: "term-weight" }, `\u00d7 ${fmt(cell.weight)}`);
    paintWeight(weight, cell.weight, scale);
    parts.push(weight, h("span", { class: "term-product" }, `= ${fmt(cell.product)}`));
  }
  const label = cell.weight === undefined ? fmt(cell.input)
    : `${fmt(cell.input)} times ${fmt(cell.weight)} is ${fmt(cell.product)}`;
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
