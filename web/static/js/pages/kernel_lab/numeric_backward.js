// Numeric mode's backward tab: type dL/dY (or a target), see dL/dX, dL/dW and dL/db, and
// step through one gradient entry at a time (Prev / Next or the arrow keys), each with the
// terms of its sum; then one SGD step by hand: w - lr x dL/dw, the output again with the new
// weights, and the loss before and after. The numbers are the server's (POST /api/matrix).

import { runMatrix } from "../../api.js";
import { byId, h } from "../../ui/dom.js";
import { t } from "../../i18n.js";
import { FieldErrors } from "../../ui/field_errors.js";
import * as status from "../../ui/status.js";
import { BackwardModel, entryAt, gradientShape }
  from "./numeric_backward_model.js";
import { BackwardView } from "./numeric_backward_view.js";
import { editableTable } from "./numeric_grids.js";
import { isPooling, keyTarget } from "./numeric_model.js";

export class BackwardTab {
  /** numeric: the NumericMode whose numbers (model) this tab sends backward through. */
  constructor(numeric) {
    this.numeric = numeric;
    this.model = new BackwardModel();
    this.errors = new FieldErrors(byId("num-panel-backward"));
    this.active = false;
    this.sequence = 0;
    this.built = "";
    byId("num-lr").value = this.model.lr;
    this.bind();
  }

  bind() {
    for (const tab of document.querySelectorAll("#num-tabs [role=tab]")) {
      tab.addEventListener("click", () => this.select(tab.id === "num-tab-backward"));
      tab.addEventListener("keydown", (event) => {
        if (event.key !== "ArrowLeft" && event.key !== "ArrowRight") return;
        event.preventDefault();
        this.select(!this.active);
        byId(this.active ? "num-tab-backward" : "num-tab-forward").focus();
      });
    }
    byId("num-loss").addEventListener("change", (event) => {
      this.model.loss = event.target.value;
      this.built = "";
      this.changed();
    });
    byId("num-grad-of").addEventListener("change", (event) => {
      this.model.of = event.target.value;
      this.model.position = 0;
      this.changed();
    });
    byId("num-lr").addEventListener("input", (event) => {
      this.model.lr = event.target.value;
      this.changed();
    });
    byId("num-ones").addEventListener("click", () => {
      this.model.fill(this.model.loss === "output_grad" ? "1" : "0");
      this.built = "";
      this.changed();
    });
    byId("num-back-prev").addEventListener("click", () => this.go(this.model.position - 1));
    byId("num-back-next").addEventListener("click", () => this.go(this.model.position + 1));
    byId("numeric-back-walk").addEventListener("keydown", (event) => this.key(event));
  }

  /** Show the forward (false) or backward (true) tab. */
  select(backward) {
    this.active = backward;
    for (const [id, on] of [["forward", !backward], ["backward", backward]]) {
      const tab = byId(`num-tab-${id}`);
      tab.setAttribute("aria-selected", String(on));
      tab.tabIndex = on ? 0 : -1;
      byId(`num-panel-${id}`).hidden = !on;
    }
    if (backward) this.changed();
  }

  changed() {
    if (!this.active) return;
    window.clearTimeout(this.timer);
    status.begin("numeric-back");
    this.timer = window.setTimeout(() => this.run(), 120);
  }

  shape() {
    return gradientShape(this.model.of, this.numeric.model.dims());
  }

  go(position) {
    const total = this.shape().reduce((a, b) => a * b, 1);
    this.model.position = Math.min(Math.max(position, 0), total - 1);
    status.begin("numeric-back");
    this.run();
  }

  key(event) {
    if (event.target.matches("input, select, button") && event.target.type !== "button") return;
    const shape = this.shape();
    const target = keyTarget(event.key, this.model.position, shape[shape.length - 1],
      shape.reduce((a, b) => a * b, 1));
    if (target === null) return;
    event.preventDefault();
    this.go(target);
  }

  /** The output's shape first (for the dL/dY grids), then the gradients. */
  async run() {
    this.sequence += 1;
    const sequence = this.sequence;
    const pooling = isPooling(this.numeric.model.op);
    this.syncOf(pooling);
    try {
      const forward = this.numeric.model.body(null);
      const { output_shape: outShape } = await runMatrix(forward);
      if (sequence !== this.sequence) return;
      this.model.fit(outShape);
      this.buildGrads(outShape);
      const entry = entryAt(this.model.of, this.shape(), this.model.position);
      const result = await runMatrix({ ...forward,
        backward: this.model.body(entry, pooling) });
      if (sequence !== this.sequence) return;
      this.errors.clear();
      new BackwardView(this, forward, result, entry).show();
      status.end("numeric-back");
    } catch (err) {
      if (sequence !== this.sequence) return;
      this.failed(err);
    }
  }

  /** Pooling has no kernel or bias to differentiate: only the input is offered. */
  syncOf(pooling) {
    const select = byId("num-grad-of");
    const choices = pooling ? ["input"] : ["input", "kernel", "bias"];
    const words = { input: t("Input"), kernel: t("Kernel weights"), bias: t("Bias") };
    if (select.options.length !== choices.length) {
      select.replaceChildren(...choices.map((of) => h("option", { value: of }, words[of])));
    }
    if (!choices.includes(this.model.of)) this.model.of = "input";
    select.value = this.model.of;
  }

  /** Editable dL/dY (or target) grids, one per output map; rebuilt when the shape changes. */
  buildGrads(shape) {
    const key = `${this.model.loss}:${shape.join("x")}`;
    if (key === this.built) return;
    this.built = key;
    const name = this.model.loss === "output_grad" ? "dL/dY" : t("Target");
    byId("num-dy-block").dataset.loc = `backward.${this.model.loss}`;
    byId("num-dy-heading").textContent = this.model.loss === "output_grad"
      ? t("dL/dY (typed)") : t("Target output (typed)");
    this.gradTables = this.model.grids[this.model.loss].map((grid, k) => editableTable({
      values: grid, label: t("{name} map {n}", { name, n: k + 1 }),
      dataset: { channel: String(k) },
      onInput: (r, c, value) => { this.model.grids[this.model.loss][k][r][c] = value; this.changed(); },
    }));
    byId("num-dy").replaceChildren(...this.gradTables);
  }

  failed(err) {
    this.errors.show(err.detail || [{ loc: [], msg: String(err), type: "error" }]);
    for (const id of ["num-grad-input", "num-grad-kernels", "num-grad-bias", "num-back-explain",
      "num-dz", "num-sgd-kernels", "num-sgd-outputs", "num-identities"]) {
      byId(id).replaceChildren();
    }
    for (const id of ["num-back-text", "num-back-rule", "num-loss-text", "num-sgd-loss"]) {
      byId(id).textContent = "";
    }
    status.end("numeric-back", false);
  }
}
