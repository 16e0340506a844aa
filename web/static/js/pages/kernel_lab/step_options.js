// The selected step's options (operation, padding and amount, stride, dilation) and the
// parameters of parametric filters (Gaussian size and sigma, median size, bilateral sigmas).

import { byId, h } from "../../ui/dom.js";
import { tx } from "../../i18n.js";

export class StepOptions {
  /** onChange(patch): patch is a partial step ({stride: "2"}, {params: {...}}, ...);
   * kernels: the vocabulary's kernels, each with its params' {label, step, min, max}. */
  constructor(onChange, kernels) {
    this.onChange = onChange;
    this.paramSpecs = new Map(kernels.map((k) => [k.name, k.params]));
    this.modeInputs = [...document.querySelectorAll('input[name="mode"]')];
    this.padding = byId("padding-select");
    this.amountKind = byId("padding-amount-kind");
    this.amount = byId("padding-amount");
    this.stride = byId("stride-input");
    this.dilation = byId("dilation-input");
    this.paramsBox = byId("params-editor");
    this.paramsFields = byId("params-fields");
    this.nonlinearNote = byId("nonlinear-options-note");
    this.params = {};
    this.bind();
  }

  bind() {
    for (const radio of this.modeInputs) {
      radio.addEventListener("change", () => this.onChange({ mode: radio.value }));
    }
    this.padding.addEventListener("change", () => {
      this.onChange({ padding: this.padding.value });
      this.syncAmount();
    });
    this.amountKind.addEventListener("change", () => {
      this.syncAmount();
      this.onChange({ padding_amount: this.amountValue() });
    });
    this.amount.addEventListener("input", () => this.onChange({ padding_amount: this.amountValue() }));
    this.stride.addEventListener("input", () => this.onChange({ stride: this.stride.value }));
    this.dilation.addEventListener("input", () => this.onChange({ dilation: this.dilation.value }));
  }

  amountValue() {
    return this.amountKind.value === "same" ? "same" : this.amount.value;
  }

  syncAmount() {
    const none = this.padding.value === "none";
    this.amountKind.disabled = none || this.locked;
    this.amount.disabled = none || this.locked || this.amountKind.value === "same";
  }

  /** step: the editor's step; entry: its catalogue entry (or undefined for custom). */
  show(step, entry) {
    this.locked = Boolean(entry && entry.kind === "nonlinear");
    for (const radio of this.modeInputs) {
      radio.checked = radio.value === step.mode;
      radio.disabled = this.locked;
    }
    this.padding.value = step.padding;
    this.amountKind.value = step.padding_amount === "same" ? "same" : "number";
    if (step.padding_amount !== "same") this.amount.value = step.padding_amount;
    this.stride.value = step.stride;
    this.dilation.value = step.dilation;
    for (const control of [this.padding, this.stride, this.dilation]) control.disabled = this.locked;
    this.nonlinearNote.hidden = !this.locked;
    this.syncAmount();
    this.showParams(step, entry);
  }

  showParams(step, entry) {
    const names = entry ? Object.keys(entry.params) : [];
    this.paramsBox.hidden = names.length === 0;
    const key = `${entry ? entry.name : ""}:${names.join(",")}`;
    if (key !== this.paramsKey) {
      this.paramsKey = key;
      const specs = this.paramSpecs.get(entry ? entry.name : "") || {};
      this.paramsFields.replaceChildren(...names.map((name) => this.paramField(name, specs[name])));
    }
    for (const name of names) {
      const input = this.paramsFields.querySelector(`#param-${name}`);
      if (input && input.value !== step.params[name]) input.value = step.params[name];
    }
  }

  paramField(name, spec) {
    const { label, step, min, max } = spec || { label: name, step: "any", min: "", max: "" };
    const input = h("input", {
      type: "number", id: `param-${name}`, step, min, max,
      inputmode: "decimal",
    });
    input.addEventListener("input", () => {
      this.params = { ...this.currentParams(), [name]: input.value };
      this.onChange({ params: this.params });
    });
    return h("div", { class: "field", dataset: { loc: `step.params.${name}` } },
      h("label", { for: `param-${name}` }, tx(label)), input);
  }

  currentParams() {
    const values = {};
    for (const input of this.paramsFields.querySelectorAll("input")) {
      values[input.id.replace("param-", "")] = input.value;
    }
    return values;
  }
}
