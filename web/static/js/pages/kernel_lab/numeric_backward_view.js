// Read-only tables for the backward tab: a gradient grid with its current entry marked, the
// terms behind one input gradient (dL/dZ x weight = product), and the SGD step's
// w - lr x dL/dw = new weight, cell by cell.

import { byId, h } from "../../ui/dom.js";
import { t, tn, tx } from "../../i18n.js";
import { entryWords } from "./numeric_backward_model.js";
import { entryName, gradientRule, gradientSum, identityText } from "./grad_text.js";
import { isPooling } from "./numeric_model.js";
import { num } from "./numbers.js";
import { productGrid } from "./sum_grid.js";
import { largestMagnitude, paintWeight } from "./weight_colours.js";

const OF_WORDS = { input: () => t("the input, dL/dX"), kernel: () => t("the kernel weights, dL/dW"),
  bias: () => t("the bias, dL/db") };

const MAX_TERMS = 60;

/** A grid of numbers; `current` ({row, col}) is marked and announced as the current cell. */
export function valueTable(values, { caption, current = null, dataset = {} }) {
  const body = values.map((row, r) => h("tr", {}, row.map((value, c) => {
    const here = current !== null && current.row === r && current.col === c;
    return h("td", { class: `out-cell filled${here ? " current" : ""}`,
      dataset: { row: String(r), col: String(c) }, "aria-current": here ? "true" : null },
    num(value));
  })));
  return h("table", { class: "num-grid output-grid", dataset }, h("caption", {}, caption),
    h("tbody", {}, body));
}

/** The sum behind dL/dX at one cell: one row per output that reads it. */
export function termsTable(terms, pooling) {
  if (!terms.length) return h("p", { class: "sum-note" }, t("No output reads this input cell."));
  const head = h("tr", {}, h("th", { scope: "col" }, t("dL/dZ at (map, row, column)")),
    h("th", { scope: "col" }, pooling ? "× dY/dX" : t("× weight w[map][channel][row][column]")),
    h("th", { scope: "col" }, t("= product")));
  const rows = terms.slice(0, MAX_TERMS).map((x) => h("tr", {},
    h("td", {}, t("{grad} at ({map}, {row}, {col})", { grad: num(x.grad),
      map: x.out_channel + 1, row: x.out_row + 1, col: x.out_col + 1 })),
    h("td", {}, pooling ? `× ${num(x.weight)}`
      : `× ${num(x.weight)} (w[${x.out_channel + 1}][·][${x.weight_row + 1}][${x.weight_col + 1}])`),
    h("td", { class: "term-product" }, `= ${num(x.product)}`)));
  const more = terms.length > MAX_TERMS ? h("p", { class: "sum-note" },
    tn("and {n} more term", "and {n} more terms", terms.length - MAX_TERMS)) : null;
  return h("div", { class: "explain-channel" },
    h("table", { class: "sum-grid terms-table" }, h("thead", {}, head), h("tbody", {}, rows)),
    more);
}

/** One kernel slice before and after the step: w, - lr x g, = new, per cell. */
export function sgdTable(weights, grads, updated, lr, caption) {
  const scale = largestMagnitude(updated);
  const body = weights.map((row, r) => h("tr", {}, row.map((w, c) => {
    const step = h("span", { class: "term-weight" }, `− ${num(lr)} × ${num(grads[r][c])}`);
    const result = h("span", { class: "term-product" }, `= ${num(updated[r][c])}`);
    paintWeight(result, updated[r][c], scale);
    return h("td", { class: "term", dataset: { row: String(r), col: String(c) },
      "aria-label": t("{weight} minus {lr} times {grad} is {result}", { weight: num(w),
        lr: num(lr), grad: num(grads[r][c]), result: num(updated[r][c]) }) },
    h("span", { class: "term-input" }, num(w)), step, result);
  })));
  return h("table", { class: "sum-grid sgd-grid" }, h("caption", {}, caption),
    h("tbody", {}, body));
}

/** One answer of POST /api/matrix with `backward`, drawn into the backward tab. */
export class BackwardView {
  constructor(tab, forward, result, entry) {
    Object.assign(this, { tab, forward, result, entry });
    this.shape = tab.shape();
    this.pooling = isPooling(forward.op);
  }

  show() {
    const { result, entry } = this;
    const total = this.shape.reduce((a, b) => a * b, 1);
    const position = this.tab.model.position = Math.min(this.tab.model.position, total - 1);
    byId("num-back-position").textContent = t("Gradient of {what}: {entry} (entry {position} of {total})",
      { what: OF_WORDS[entry.of](), entry: entryWords(entry), position: position + 1, total });
    byId("num-back-prev").disabled = position === 0;
    byId("num-back-next").disabled = position === total - 1;
    byId("num-loss-text").textContent = t("Loss: {definition}; here L = {value}",
      { definition: tx(result.loss.definition), value: num(result.loss.value) });
    this.grids();
    this.explain();
    byId("num-identities").replaceChildren(...result.identities.map((i) => h("li", {},
      h("strong", {}, `${i.of}: `), identityText(i))));
    this.sgd();
  }

  grids() {
    const { result, entry } = this;
    const at = (match) => (match ? { row: entry.row, col: entry.col } : null);
    byId("num-grad-input").replaceChildren(...result.grad_input.map((g, c) => valueTable(g, {
      caption: t("dL/dX channel {n}", { n: c + 1 }),
      dataset: { grad: "input", channel: String(c) },
      current: at(entry.of === "input" && entry.channel === c) })));
    const used = result.grad_pre_activation || (this.tab.model.loss === "target"
      ? result.grad_output : null);
    const label = result.grad_pre_activation ? t("dL/dZ (through relu)") : t("dL/dY = Y − target");
    byId("num-dz").replaceChildren(...(used || []).map((g, k) => valueTable(g, {
      caption: t("{grid}, map {n}", { grid: label, n: k + 1 }) })));
    if (this.pooling) return;
    byId("num-grad-kernels").replaceChildren(...result.grad_kernels.map((f, k) => h("div",
      { class: "num-filter" }, f.map((g, c) => valueTable(g, {
        caption: t("dL/dW filter {filter}, channel {channel}", { filter: k + 1, channel: c + 1 }),
        dataset: { grad: "kernel", kernel: String(k), channel: String(c) },
        current: at(entry.of === "kernel" && entry.kernel === k && entry.channel === c) })))));
    byId("num-grad-bias").replaceChildren(valueTable([result.grad_bias], {
      caption: "dL/db", dataset: { grad: "bias" },
      current: entry.of === "bias" ? { row: 0, col: entry.kernel } : null }));
  }

  explain() {
    const ex = this.result.grad_explain;
    const [, oh, ow] = this.result.output_shape;
    const rows = (cell) => Array.from({ length: oh }, (_, y) => ex.terms.slice(y * ow,
      (y + 1) * ow).map(cell));
    let view;
    if (ex.of === "kernel") {
      view = productGrid(rows((x) => ({ input: x.input, weight: x.grad, product: x.product,
        padding: x.padding })), t("Input under this weight × dL/dZ, at each output"));
    } else if (ex.of === "bias") {
      view = productGrid(rows((x) => ({ input: x.grad })),
        t("dL/dZ map {n}: their sum", { n: ex.index[0] + 1 }));
    } else {
      view = termsTable(ex.terms, this.pooling);
    }
    byId("num-back-explain").replaceChildren(view);
    byId("num-back-rule").textContent = gradientRule(ex);
    byId("num-back-text").textContent = `${entryName(ex)} = ${gradientSum(ex)}`;
    const reads = new Set(ex.terms.map((x) => `${x.out_channel},${x.out_row},${x.out_col}`));
    (this.tab.gradTables || []).forEach((table, k) => {
      for (const td of table.querySelectorAll("td")) {
        if (reads.has(`${k},${td.dataset.pr},${td.dataset.pc}`)) td.dataset.window = "true";
        else delete td.dataset.window;
      }
    });
  }

  sgd() {
    const step = this.result.sgd;
    if (!step) {
      for (const id of ["num-sgd-kernels", "num-sgd-outputs"]) byId(id).replaceChildren();
      byId("num-sgd-loss").textContent = this.pooling ? ""
        : t("Give a learning rate to take a step.");
      return;
    }
    const { kernels, bias } = this.forward;
    const grads = this.result.grad_kernels;
    byId("num-sgd-kernels").replaceChildren(...kernels.map((f, k) => h("div",
      { class: "num-filter" }, f.map((g, c) => sgdTable(g, grads[k][c], step.kernels[k][c],
        step.lr, t("Filter {filter}, channel {channel}", { filter: k + 1, channel: c + 1 }))),
      h("p", { class: "sum-note" }, t("Bias {n}: {formula}", { n: k + 1,
        formula: `${num(bias[k])} − ${num(step.lr)} × ${num(this.result.grad_bias[k])} = ` +
          `${num(step.bias[k])}` })))));
    byId("num-sgd-outputs").replaceChildren(...step.output.map((g, k) => valueTable(g, {
      caption: t("Output {n} with the new weights", { n: k + 1 }), dataset: { sgd: String(k) } })));
    const loss = { before: num(step.loss_before), after: num(step.loss_after) };
    byId("num-sgd-loss").textContent = step.loss_after < step.loss_before
      ? t("Loss before {before}, after one step {after} (lower).", loss)
      : t("Loss before {before}, after one step {after} (not lower).", loss);
  }
}
