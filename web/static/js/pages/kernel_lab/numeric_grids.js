// Tables for the numeric walk-through: editable input channels (drawn with their padding),
// editable kernels coloured by sign, and the output filled in position by position.

import { h } from "../../ui/dom.js";
import { t } from "../../i18n.js";
import { num } from "./numbers.js";
import { largestMagnitude, paintWeight } from "./weight_colours.js";
import { parseNumber } from "./step_model.js";

/** An editable grid of rows x cols values, surrounded by `pad` cells of padding. */
export function editableTable({ values, pad = 0, padText = "0", label, onInput, dataset = {} }) {
  const rows = values.length;
  const cols = values[0].length;
  const body = [];
  for (let pr = 0; pr < rows + 2 * pad; pr += 1) {
    const cells = [];
    for (let pc = 0; pc < cols + 2 * pad; pc += 1) {
      const r = pr - pad;
      const c = pc - pad;
      const inside = r >= 0 && r < rows && c >= 0 && c < cols;
      const content = inside ? h("input", {
        type: "text", inputmode: "decimal", value: values[r][c], class: "num-cell",
        autocomplete: "off", spellcheck: "false",
        "aria-label": t("{grid} row {row}, column {col}", { grid: label, row: r + 1, col: c + 1 }),
        oninput: (event) => onInput(r, c, event.target.value),
      }) : h("span", { class: "pad-cell", "aria-hidden": "true" }, padText);
      cells.push(h("td", { class: inside ? "cell-in" : "cell-pad",
        dataset: { pr: String(pr), pc: String(pc) } }, content));
    }
    body.push(h("tr", {}, cells));
  }
  return h("table", { class: "num-grid", dataset }, h("caption", {}, label), h("tbody", {}, body));
}

/** Colour kernel cells by their sign (blue negative, orange positive). */
export function paintKernel(table) {
  const inputs = [...table.querySelectorAll("input")];
  const values = inputs.map((input) => {
    const v = parseNumber(input.value);
    return typeof v === "number" ? v : 0;
  });
  const scale = largestMagnitude(values);
  inputs.forEach((input, i) => paintWeight(input, values[i], scale));
}

/** Mark the cells under the window's taps (padded coordinates r0, c0; kh x kw taps, d
 * apart: the dilation, 1 when absent). */
export function markWindow(table, window) {
  const taps = (offset, count, d) => offset >= 0 && offset % d === 0 && offset / d < count;
  for (const td of table.querySelectorAll("td")) {
    const d = window ? window.d || 1 : 1;
    const inside = window !== null && taps(Number(td.dataset.pr) - window.r0, window.kh, d)
      && taps(Number(td.dataset.pc) - window.c0, window.kw, d);
    if (inside) td.dataset.window = "true";
    else delete td.dataset.window;
  }
}

/** The output map of one filter: cells up to the current position are filled in. */
export function outputTable(values, channel, position, shape) {
  const [, oh, ow] = shape;
  const body = [];
  for (let r = 0; r < oh; r += 1) {
    const cells = [];
    for (let c = 0; c < ow; c += 1) {
      const index = (channel * oh + r) * ow + c;
      const filled = index <= position;
      const current = index === position;
      cells.push(h("td", {
        class: `out-cell${current ? " current" : ""}${filled ? " filled" : ""}`,
        dataset: { row: String(r), col: String(c), channel: String(channel) },
        "aria-current": current ? "true" : null,
      }, filled ? num(values[r][c]) : "\u00b7"));
    }
    body.push(h("tr", {}, cells));
  }
  return h("table", { class: "num-grid output-grid" },
    h("caption", {}, t("Output {n} ({size})", { n: channel + 1, size: `${oh}x${ow}` })),
    h("tbody", {}, body));
}
