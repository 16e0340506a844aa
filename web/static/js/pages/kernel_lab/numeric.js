// Numeric mode: slide a filter across a small grid of numbers, one output at a time (Prev /
// Next or the arrow keys), with the window highlighted, every product shown and the output
// cell filled in. Numbers, stride, padding and dilation are editable; errors appear in
// place. The backward tab (numeric_backward.js) sends a gradient back through the same numbers.

import { runMatrix } from "../../api.js";
import { byId, h } from "../../ui/dom.js";
import { t } from "../../i18n.js";
import { options } from "./controls.js";
import { FieldErrors } from "../../ui/field_errors.js";
import { EXAMPLES } from "./numeric_examples.js";
import { editableTable, markWindow, outputTable, paintKernel } from "./numeric_grids.js";
import { isPooling, keyTarget, NumericModel, positionIn } from "./numeric_model.js";
import { BackwardTab } from "./numeric_backward.js";
import * as status from "../../ui/status.js";
import { productGrid } from "./sum_grid.js";
import { num } from "./numbers.js";
import { outputSize, outputText } from "./walk_text.js";

// The walk-through's own sizes: small enough to read every number (the server takes more).
const DIM_LIMITS = { channels: 4, height: 12, width: 12, filters: 4, ksize: 7 };
const OPTIONS = ["stride", "padding", "size", "dilation"];

export class NumericMode {
  /** operations: the vocabulary's numeric_operations, [{value, label}]; poolSize: its
   * limits.pool_size, {min, max}. */
  constructor(operations, poolSize) {
    this.model = new NumericModel();
    this.errors = new FieldErrors(byId("numeric"));
    this.position = 0;
    this.sequence = 0;
    this.pad = 0; // the padding the server used last (drawn around the inputs)
    this.dims = Object.fromEntries(Object.entries(DIM_LIMITS).map(([k, max]) => [k,
      Object.assign(byId(`num-${k}`), { min: "1", max: String(max) })]));
    Object.assign(byId("num-size"), { min: String(poolSize.min), max: String(poolSize.max) });
    this.example = byId("num-example");
    this.op = byId("num-op");
    this.example.replaceChildren(...Object.entries(EXAMPLES).map(([key, ex]) =>
      h("option", { value: key }, ex.label)));
    this.op.replaceChildren(...options(operations));
    this.backward = new BackwardTab(this);
    this.bind();
    this.loadExample("classic");
  }

  bind() {
    this.example.addEventListener("change", () => this.loadExample(this.example.value));
    this.op.addEventListener("change", () => {
      this.model.op = this.op.value;
      this.rebuild();
    });
    for (const name of OPTIONS) {
      byId(`num-${name}`).addEventListener("input", (event) => {
        this.model[name] = event.target.value;
        this.changed();
      });
    }
    for (const input of Object.values(this.dims)) {
      input.addEventListener("change", () => this.resize());
    }
    byId("num-prev").addEventListener("click", () => this.go(this.position - 1));
    byId("num-next").addEventListener("click", () => this.go(this.position + 1));
    byId("numeric-walk").addEventListener("keydown", (event) => this.key(event));
  }

  loadExample(key) {
    this.model.load(EXAMPLES[key]);
    this.example.value = key;
    this.op.value = this.model.op;
    for (const name of OPTIONS) byId(`num-${name}`).value = this.model[name];
    this.position = 0;
    this.rebuild();
  }

  resize() {
    const dims = {};
    for (const [name, input] of Object.entries(this.dims)) {
      const value = Math.round(Number(input.value));
      dims[name] = Math.min(Math.max(Number.isFinite(value) ? value : 1, 1), DIM_LIMITS[name]);
      input.value = String(dims[name]);
    }
    this.model.resize(dims);
    this.rebuild();
  }

  /** Build every editor afresh (dimensions, example or operation changed). */
  rebuild() {
    const pooling = isPooling(this.model.op);
    for (const [name, value] of Object.entries(this.model.dims())) {
      this.dims[name].value = String(value);
    }
    document.querySelectorAll(".num-conv-only").forEach((n) => { n.hidden = pooling; });
    document.querySelectorAll(".num-pool-only").forEach((n) => { n.hidden = !pooling; });
    this.buildInputs();
    this.buildKernels();
    this.changed();
  }

  buildInputs() {
    const padText = this.model.op === "max_pool" ? t("pad") : "0";
    this.inputTables = this.model.input.map((grid, c) => editableTable({
      values: grid, pad: this.pad, padText, label: t("Input channel {n}", { n: c + 1 }),
      dataset: { channel: String(c) },
      onInput: (r, col, value) => { this.model.input[c][r][col] = value; this.changed(); },
    }));
    byId("num-inputs").replaceChildren(...this.inputTables);
  }

  buildKernels() {
    const filters = this.model.kernels.map((filter, f) => {
      const tables = filter.map((grid, c) => {
        const table = editableTable({ values: grid,
          label: t("Filter {filter}, channel {channel}", { filter: f + 1, channel: c + 1 }),
          onInput: (r, col, value) => {
            this.model.kernels[f][c][r][col] = value;
            paintKernel(table);
            this.changed();
          } });
        paintKernel(table);
        return table;
      });
      const bias = h("input", { type: "text", inputmode: "decimal", id: `num-bias-${f}`,
        class: "num-cell", value: this.model.bias[f],
        oninput: (event) => { this.model.bias[f] = event.target.value; this.changed(); } });
      return h("div", { class: "num-filter", dataset: { filter: String(f) } }, tables,
        h("div", { class: "field bias-field" },
          h("label", { for: `num-bias-${f}` }, t("Bias {n}", { n: f + 1 })), bias));
    });
    byId("num-kernels").replaceChildren(...filters);
  }

  changed() {
    window.clearTimeout(this.timer);
    status.begin("numeric");
    this.timer = window.setTimeout(() => this.run(), 120);
    this.backward.changed();
  }

  go(position) {
    const shape = this.shape;
    if (!shape) return;
    const total = shape[0] * shape[1] * shape[2];
    this.position = Math.min(Math.max(position, 0), total - 1);
    status.begin("numeric");
    this.run(shape);
  }

  key(event) {
    if (event.target.matches("input, select, button") && event.target.type !== "button") return;
    const width = this.shape ? this.shape[2] : 1;
    const total = this.shape ? this.shape.reduce((a, b) => a * b, 1) : 1;
    const target = keyTarget(event.key, this.position, width, total);
    if (target === null) return;
    event.preventDefault();
    this.go(target);
  }

  /** knownShape: the output shape when only the position moved; else the numbers changed
   * and the server is asked for the output size first (JS computes no shapes). */
  async run(knownShape = null) {
    this.sequence += 1;
    const sequence = this.sequence;
    try {
      const shape = knownShape || (await runMatrix(this.model.body(null))).output_shape;
      if (sequence !== this.sequence) return;
      const at = positionIn(shape, this.position);
      this.position = (at.channel * shape[1] + at.row) * shape[2] + at.col;
      const result = await runMatrix(this.model.body(at));
      if (sequence !== this.sequence) return;
      this.errors.clear();
      this.show(result, at);
      status.end("numeric");
    } catch (err) {
      if (sequence !== this.sequence) return;
      this.failed(err);
    }
  }

  failed(err) {
    this.errors.show(err.detail || [{ loc: [], msg: String(err), type: "error" }]);
    this.shape = null;
    for (const table of this.inputTables) markWindow(table, null);
    byId("num-outputs").replaceChildren();
    byId("num-explain").replaceChildren();
    byId("numeric-text").textContent = "";
    byId("num-formula").textContent = "";
    status.end("numeric", false);
  }

  show(result, at) {
    this.shape = result.output_shape;
    if (result.padding !== this.pad) {
      this.pad = result.padding;
      this.buildInputs();
    }
    const [k, oh, ow] = this.shape;
    byId("num-formula").textContent = outputSize(result);
    byId("num-position").textContent = t("Output {map}, row {row}, column {col} (position {position} of {total})",
      { map: at.channel + 1, row: at.row + 1, col: at.col + 1, position: this.position + 1,
        total: k * oh * ow });
    byId("num-prev").disabled = this.position === 0;
    byId("num-next").disabled = this.position === k * oh * ow - 1;
    const win = { r0: at.row * result.stride, c0: at.col * result.stride,
      ...this.model.window() };
    const pooling = isPooling(this.model.op);
    this.inputTables.forEach((table, c) => markWindow(table,
      !pooling || c === at.channel ? win : null));
    document.querySelectorAll(".num-filter").forEach((node) => {
      node.classList.toggle("active", Number(node.dataset.filter) === at.channel);
    });
    byId("num-outputs").replaceChildren(...result.output.map((values, channel) =>
      outputTable(values, channel, this.position, this.shape)));
    this.showExplain(result.explain, pooling);
  }

  showExplain(explain, pooling) {
    const { kh, kw } = this.model.window();
    const channels = [...new Set(explain.terms.map((x) => x.channel))];
    const grids = channels.map((c) => {
      const terms = explain.terms.filter((x) => x.channel === c);
      const cells = Array.from({ length: kh }, (_, u) => terms.slice(u * kw, (u + 1) * kw)
        .map((x) => (pooling ? { input: x.input, padding: x.padding,
          mark: this.model.op === "max_pool" && x.input === explain.value }
          : { input: x.input, weight: x.weight, product: x.product, padding: x.padding })));
      const caption = pooling ? t("Channel {n}", { n: c + 1 })
        : t("Channel {n} \u2192 sum {sum}", { n: c + 1,
          sum: num(explain.channel_sums[channels.indexOf(c)]) });
      return h("div", { class: "explain-channel" }, productGrid(cells, caption));
    });
    const total = pooling ? [] : [h("p", { class: "explain-sum" },
      t("{sums} + bias {bias} = {value}", { sums: explain.channel_sums.map(num).join(" + "),
        bias: num(explain.bias), value: num(explain.value) }))];
    byId("num-explain").replaceChildren(h("div", { class: "explain-channels" }, grids), ...total);
    byId("numeric-text").textContent = outputText(explain, this.model.op);
  }
}
