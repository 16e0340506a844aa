// Which network to train: the Builder's (kept in localStorage["cnnpg.spec"] by the
// Builder page), a preset, or a stored model's (#from=<id>: a fork from a classroom, whose
// weights the run starts from). onPreset(preset) lets the page pick the preset's dataset;
// onModel(model | null) tells it whether the run continues from a model.

import { builderSpec, isDetector } from "../../builder_spec.js";
import { t, tn, tx } from "../../i18n.js";
import { byId, h } from "../../ui/dom.js";

/** "Text with a [link] in it." -> the text nodes and the <a> (one message for translators). */
function linked(text, href) {
  const match = /^(.*)\[(.+)\](.*)$/s.exec(text);
  if (!match) return [text];
  return [match[1], h("a", { href }, match[2]), match[3]];
}

function shape(input) {
  return `${input.channels} \u00d7 ${input.height} \u00d7 ${input.width}`;
}

export class NetworkSource {
  constructor(presets, onPreset, onModel) {
    this.presets = presets;
    this.onPreset = onPreset;
    this.onModel = onModel;
    this.model = null;
    this.spec = builderSpec();
    this.detector = isDetector(this.spec); // trained on the Detection page, not here
    if (this.detector) this.spec = null;
    this.select = byId("preset-select");
    this.select.replaceChildren(...presets.map((p) => h("option", { value: p.id }, tx(p.name))));
    this.select.addEventListener("change", () => this.presetChanged());
    this.builderRadio = byId("source-builder");
    this.presetRadio = byId("source-preset");
    this.modelRadio = byId("source-model");
    for (const radio of [this.builderRadio, this.presetRadio, this.modelRadio]) {
      radio.addEventListener("change", () => this.sourceChanged());
    }
    this.showBuilder();
    if (this.spec) this.builderRadio.checked = true;
    else this.presetRadio.checked = true;
    if (presets.some((p) => p.id === "lenet-mnist")) this.select.value = "lenet-mnist";
    this.sourceChanged();
  }

  showBuilder() {
    const summary = byId("builder-summary");
    if (this.detector) {
      this.builderRadio.disabled = true;
      summary.replaceChildren(...linked(t("Your Builder network ends in a detection head: it finds boxes, so train it on the [Detection page]."),
        "/detection"));
      return;
    }
    if (!this.spec) {
      this.builderRadio.disabled = true;
      summary.replaceChildren(...linked(t("None yet: build one on the [Builder page] (it is kept in this browser)."),
        "/builder"));
      return;
    }
    summary.textContent = tn("Input {shape}, {n} layer.", "Input {shape}, {n} layers.",
      this.spec.layers.length, { shape: shape(this.spec.input) });
  }

  usesPreset() {
    return this.presetRadio.checked;
  }

  sourceChanged() {
    this.select.disabled = !this.usesPreset();
    if (this.usesPreset()) this.presetChanged();
    this.onModel(this.modelRadio.checked ? this.model : null);
  }

  presetChanged() {
    const preset = this.presets.find((p) => p.id === this.select.value);
    byId("preset-description").textContent = preset ? t("{description} Input {shape}.", {
      description: tx(preset.description), shape: shape(preset.input) }) : "";
    if (preset) this.onPreset(preset);
  }

  /** Train a preset (/training?preset=<id>); false when there is no such preset. */
  usePreset(id) {
    if (!this.presets.some((p) => p.id === id)) return false;
    this.presetRadio.checked = true;
    this.select.value = id;
    this.sourceChanged();
    return true;
  }

  /** The `network` of POST /api/runs. */
  read() {
    if (this.modelRadio.checked) return this.model.spec;
    return this.usesPreset() ? { preset: this.select.value } : this.spec;
  }

  /** The `initial_model` of POST /api/runs: the model chosen as the network, else null. */
  initialModel() {
    return this.modelRadio.checked ? this.model.id : null;
  }

  /** Continue from a stored model (GET /api/models/{id}): its network, its weights. */
  useModel(model) {
    this.model = model;
    byId("source-model-label").hidden = false;
    byId("source-model-name").textContent = t("Continue training {name}", { name: model.name });
    const summary = byId("model-summary");
    summary.hidden = false;
    const unknown = t("an unknown dataset"); // not inside tn(): the extractor misses nested calls
    summary.textContent = tn("Input {shape}, {n} layer, trained on {dataset}.",
      "Input {shape}, {n} layers, trained on {dataset}.", model.spec.layers.length, {
        shape: shape(model.spec.input), dataset: model.dataset || unknown });
    this.modelRadio.checked = true;
    this.sourceChanged();
  }

  /** Back to a network of its own (the Builder's when there is one, else a preset). */
  dropModel() {
    if (this.spec) this.builderRadio.checked = true;
    else this.presetRadio.checked = true;
    this.sourceChanged();
  }

  /** Put a spec in place of the Builder's (tests and "train this again" use it). */
  useSpec(spec) {
    this.spec = spec;
    this.builderRadio.disabled = false;
    this.builderRadio.checked = true;
    this.showBuilder();
    this.sourceChanged();
  }
}
