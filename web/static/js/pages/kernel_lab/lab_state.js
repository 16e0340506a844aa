// The Kernel Lab's state: the source photo, the pipeline of steps (one selected in the
// editor), the channel handling and the output mapping; and the spec sent to the server.

import {
  defaultOptions, gaussianMatrix, makeCustom, optionsOf, stepFromPreset, stepIncomplete, stepLabel,
  stepSpec,
} from "./step_model.js";
import { t, tx } from "../../i18n.js";

function copyStep(step) {
  return { ...step, cells: step.cells && step.cells.map((row) => [...row]),
    params: { ...step.params } };
}

export class LabState {
  /** vocabulary: GET /api/kernels/vocabulary (its limits and defaults are used here). */
  constructor(catalogue, firstPreset, vocabulary) {
    this.catalogue = catalogue;
    this.limits = vocabulary.limits;
    this.defaults = defaultOptions(vocabulary.defaults);
    this.steps = [stepFromPreset(catalogue.get(firstPreset), this.defaults)];
    this.selected = 0;
    this.channels = vocabulary.defaults.channels;
    this.output = catalogue.get(firstPreset).suggested_output;
    this.source = null;
    this.size = { width: 0, height: 0 };
  }

  current() {
    return this.steps[this.selected];
  }

  entry(step = this.current()) {
    return step.kernel === null ? undefined : this.catalogue.get(step.kernel);
  }

  /** Choose a preset for the selected step (non-linear filters start from plain options). */
  pick(entry) {
    const options = entry.kind === "nonlinear" || this.entry()?.kind === "nonlinear"
      ? this.defaults : optionsOf(this.current());
    this.steps[this.selected] = stepFromPreset(entry, options);
    this.output = entry.suggested_output;
  }

  /** Apply a change to the selected step; weights changes turn a preset into a custom kernel. */
  update(patch, custom = false) {
    let step = this.current();
    if (custom) step = makeCustom(step, this.catalogue);
    this.steps[this.selected] = { ...step, ...patch };
  }

  add() {
    if (this.steps.length >= this.limits.max_steps) return;
    this.steps.push(copyStep(this.current()));
    this.selected = this.steps.length - 1;
  }

  move(index, delta) {
    const target = index + delta;
    if (target < 0 || target >= this.steps.length) return;
    const [step] = this.steps.splice(index, 1);
    this.steps.splice(target, 0, step);
    if (this.selected === index) this.selected = target;
    else if (this.selected === target) this.selected = index;
  }

  remove(index) {
    if (this.steps.length === 1) return;
    this.steps.splice(index, 1);
    if (this.selected >= this.steps.length || this.selected > index) this.selected -= 1;
    this.selected = Math.max(this.selected, 0);
  }

  labels() {
    return this.steps.map((step) => stepLabel(step, this.catalogue));
  }

  incomplete() {
    return this.steps.some(stepIncomplete);
  }

  spec() {
    return { steps: this.steps.map((step) => stepSpec(step, this.catalogue)),
      channels: this.channels, output: this.output };
  }

  gaussianView(step) {
    const size = Number(step.params.size);
    const sigma = Number(step.params.sigma);
    const ok = Number.isInteger(size) && size % 2 === 1 && size <= this.limits.max_kernel && sigma > 0;
    const grids = ok ? [{ title: t("Weights for size {size}, sigma {sigma} (sum 1)",
      { size: String(size), sigma }),
      matrix: gaussianMatrix(size, sigma) }] : [];
    return { kind: "readonly", grids, convertible: ok };
  }

  /** What the kernel editor shows for the selected step. */
  gridView() {
    const step = this.current();
    const entry = this.entry();
    if (entry && entry.kind === "nonlinear") return { kind: "hidden" };
    if (entry && entry.kind === "gradient_magnitude") {
      const grids = entry.pair.map((name, i) => {
        const k = this.catalogue.get(name);
        return { title: `${i ? "Gy" : "Gx"}: ${tx(k.label)}`, matrix: k.matrix };
      });
      return { kind: "readonly", grids, convertible: false };
    }
    if (entry && !entry.matrix) return this.gaussianView(step);
    return { kind: "editable", cells: step.cells.map((row) => [...row]), scale: step.scale,
      normalize: step.normalize };
  }
}
