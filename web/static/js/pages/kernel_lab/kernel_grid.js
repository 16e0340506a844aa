// The kernel editor: rows x cols (1..max_kernel) of weight cells, the scale and "normalize to sum 1".
// Parametric and gradient-magnitude presets are shown read-only; non-linear filters hide it.

import { byId, h } from "../../ui/dom.js";
import { t } from "../../i18n.js";
import { num } from "./numbers.js";
import { largestMagnitude, paintWeight } from "./weight_colours.js";
import { parseNumber, resizeGrid } from "./step_model.js";

function fraction(text) {
  const match = String(text).trim().match(/^([-+]?[\d.]+)\s*\/\s*([-+]?[\d.]+)$/);
  if (match) return Number(match[1]) / Number(match[2]);
  const value = parseNumber(text);
  return typeof value === "number" ? value : 1;
}

/** A size as typed: an integer 1..maxSide, or an error message in the server's words. */
export function checkSide(text, what, maxSide) {
  const value = Number(text);
  if (String(text).trim() === "" || !Number.isInteger(value) || value < 1 || value > maxSide) {
    const params = { value: String(text).trim() || t("(empty)"), max: maxSide,
      largest: `${maxSide}x${maxSide}` };
    return what === "rows"
      ? t("rows {value} is out of range: a kernel has 1 to {max} rows; the largest kernel is {largest}", params)
      : t("columns {value} is out of range: a kernel has 1 to {max} columns; the largest kernel is {largest}", params);
  }
  return null;
}

export class KernelGrid {
  /** on: {cell(r, c, text), size(rows, cols) | sizeError(loc, msg), scale(text),
   *  normalize(bool), custom()}; maxSide: the largest kernel side. */
  constructor(on, maxSide) {
    this.on = on;
    this.maxSide = maxSide;
    this.fieldset = byId("grid-editor");
    this.cellsBox = byId("kernel-cells");
    this.readonlyBox = byId("kernel-readonly");
    this.rows = byId("grid-rows");
    this.cols = byId("grid-cols");
    this.scale = byId("scale-input");
    this.normalize = byId("normalize-input");
    this.customButton = byId("make-custom");
    this.cellsBox.addEventListener("input", (e) => this.cellInput(e));
    this.cellsBox.addEventListener("keydown", (e) => this.cellKey(e));
    for (const input of [this.rows, this.cols]) {
      input.addEventListener("input", () => this.sizeInput());
    }
    this.scale.addEventListener("input", () => { this.on.scale(this.scale.value); this.paint(); });
    this.normalize.addEventListener("change", () => this.on.normalize(this.normalize.checked));
    this.customButton.addEventListener("click", () => this.on.custom());
  }

  /** view: {kind: "editable"|"readonly"|"hidden", cells, scale, normalize, grids} */
  render(view) {
    this.fieldset.hidden = view.kind === "hidden";
    const editable = view.kind === "editable";
    this.cellsBox.hidden = !editable;
    this.readonlyBox.hidden = editable;
    this.customButton.hidden = editable || !view.convertible;
    byId("grid-size").hidden = !editable;
    byId("scale-row").hidden = !editable;
    if (editable) {
      this.cells = view.cells;
      this.rows.value = String(view.cells.length);
      this.cols.value = String(view.cells[0].length);
      this.scale.value = view.scale;
      this.normalize.checked = view.normalize;
      this.buildCells();
    } else if (view.kind === "readonly") {
      this.buildReadonly(view.grids);
    }
  }

  buildCells() {
    const cols = this.cells[0].length;
    this.cellsBox.style.gridTemplateColumns = `repeat(${cols}, minmax(2.6rem, 3.2rem))`;
    const inputs = this.cells.flatMap((row, r) => row.map((text, c) => h("input", {
      type: "text", inputmode: "decimal", value: text, class: "cell", spellcheck: "false",
      autocomplete: "off", "aria-label": t("Weight row {row}, column {col}", { row: r + 1, col: c + 1 }),
      dataset: { r: String(r), c: String(c), loc: `step.matrix.${r}.${c}` },
    })));
    this.cellsBox.replaceChildren(...inputs);
    this.paint();
  }

  buildReadonly(grids) {
    const blocks = grids.map(({ title, matrix }) => {
      const scale = largestMagnitude(matrix);
      const cells = matrix.flat().map((v) => {
        const cell = h("span", { class: "cell readonly" }, num(v));
        paintWeight(cell, v, scale);
        return cell;
      });
      const grid = h("div", { class: "kernel-cells", role: "img",
        "aria-label": `${title}: ${matrix.map((row) => row.map(num).join(" ")).join("; ")}` },
      cells);
      grid.style.gridTemplateColumns = `repeat(${matrix[0].length}, minmax(2.6rem, 3.2rem))`;
      return h("div", { class: "readonly-grid" }, h("p", { class: "grid-title" }, title), grid);
    });
    this.readonlyBox.replaceChildren(...blocks);
  }

  paint() {
    if (!this.cells) return;
    const factor = fraction(this.scale.value);
    const values = this.cells.map((row) => row.map((text) => {
      const v = parseNumber(text);
      return typeof v === "number" ? v * factor : 0;
    }));
    const scale = largestMagnitude(values);
    for (const input of this.cellsBox.querySelectorAll("input")) {
      paintWeight(input, values[input.dataset.r][input.dataset.c], scale);
    }
  }

  cellInput(event) {
    const input = event.target;
    const r = Number(input.dataset.r);
    const c = Number(input.dataset.c);
    this.cells[r][c] = input.value;
    this.paint();
    this.on.cell(r, c, input.value);
  }

  cellKey(event) {
    const input = event.target;
    const moves = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
    const move = moves[event.key];
    if (!move || event.altKey || event.ctrlKey || event.metaKey) return;
    const all = input.selectionStart === 0 && input.selectionEnd === input.value.length;
    const atStart = all || (input.selectionStart === 0 && input.selectionEnd === 0);
    const atEnd = all || input.selectionStart === input.value.length;
    if ((event.key === "ArrowLeft" && !atStart) || (event.key === "ArrowRight" && !atEnd)) return;
    const r = Number(input.dataset.r) + move[0];
    const c = Number(input.dataset.c) + move[1];
    const next = this.cellsBox.querySelector(`input[data-r="${r}"][data-c="${c}"]`);
    if (next) {
      event.preventDefault();
      next.focus();
      next.select();
    }
  }

  sizeInput() {
    const problem = checkSide(this.rows.value, "rows", this.maxSide)
      || checkSide(this.cols.value, "columns", this.maxSide);
    if (problem) {
      this.on.sizeError(problem);
      return;
    }
    this.cells = resizeGrid(this.cells, Number(this.rows.value), Number(this.cols.value));
    this.buildCells();
    this.on.size(this.cells);
  }
}
