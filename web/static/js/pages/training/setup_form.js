// The hyper-parameter form. Its defaults, bounds and choices come from the server's own
// schema (/openapi.json: TrainingConfig and Augment), so the form never drifts from it.

import { t } from "../../i18n.js";
import { byId, h } from "../../ui/dom.js";

const SAVED = "cnnpg.training";
const LABELS = {
  sgd: "SGD", sgd_momentum: t("SGD with momentum"), adagrad: "Adagrad", adadelta: "Adadelta",
  rmsprop: "RMSprop", adam: "Adam", adamw: "AdamW",
  auto: t("Auto (GPU if any)"), cpu: "CPU", cuda: t("CUDA GPU"),
};
const MOMENTUM_OPTIMIZERS = ["sgd_momentum", "rmsprop"];

/** A property's own schema; `anyOf: [{...}, {type: null}]` gives the non-null branch. */
function propertySchema(schema) {
  if (!schema.anyOf) return schema;
  return schema.anyOf.find((s) => s.type !== "null") || schema;
}

function applyBounds(input, schema) {
  const min = schema.minimum ?? schema.exclusiveMinimum;
  const max = schema.maximum ?? schema.exclusiveMaximum;
  if (min !== undefined) input.min = String(min);
  if (max !== undefined) input.max = String(max);
}

function fillSelect(select, values) {
  select.replaceChildren(...values.map((v) => h("option", { value: v }, LABELS[v] || v)));
}

function setValue(input, value) {
  if (input.type === "checkbox") input.checked = Boolean(value);
  else input.value = value === null || value === undefined ? "" : String(value);
}

function readValue(input) {
  if (input.type === "checkbox") return input.checked;
  if (input.tagName === "SELECT") return input.value;
  const text = input.value.trim();
  if (text === "") return null;
  const number = Number(text);
  return Number.isFinite(number) ? number : text;
}

export class SetupForm {
  /** schemas: the OpenAPI components' schemas (TrainingConfig, Augment). */
  constructor(schemas) {
    this.form = byId("setup-form");
    this.training = schemas.TrainingConfig;
    this.augment = schemas.Augment;
    this.controls = this.bind(this.training.properties, "training");
    this.augmentControls = this.bind(this.augment.properties, "training.augment");
    this.restore();
    byId("optimizer").addEventListener("change", () => this.momentumApplies());
    this.momentumApplies();
  }

  /** {name: input} for every schema property the form has a control for. */
  bind(properties, prefix) {
    const controls = {};
    for (const [name, raw] of Object.entries(properties)) {
      if (raw.$ref || raw.type === "object") continue; // augment: a group of its own
      const field = this.form.querySelector(`[data-loc="${prefix}.${name}"]`);
      const input = field && field.querySelector("input, select");
      if (!input) continue;
      const schema = propertySchema(raw);
      if (input.tagName === "SELECT" && schema.enum) fillSelect(input, schema.enum);
      else if (input.type === "number") applyBounds(input, schema);
      setValue(input, raw.default);
      controls[name] = input;
    }
    return controls;
  }

  momentumApplies() {
    const applies = MOMENTUM_OPTIMIZERS.includes(byId("optimizer").value);
    byId("momentum").disabled = !applies;
  }

  /** The `training` object of POST /api/runs. */
  read() {
    const augment = {};
    for (const [name, input] of Object.entries(this.augmentControls)) {
      augment[name] = readValue(input);
    }
    const training = { augment };
    for (const [name, input] of Object.entries(this.controls)) {
      training[name] = readValue(input); // empty: null (max_train_samples: all images)
    }
    return training;
  }

  /** Fill the form from a run's `training` (re-opening a run shows what it was asked). */
  show(training) {
    for (const [name, input] of Object.entries(this.controls)) {
      if (name in training) setValue(input, training[name]);
    }
    for (const [name, input] of Object.entries(this.augmentControls)) {
      if (training.augment && name in training.augment) setValue(input, training.augment[name]);
    }
    this.momentumApplies();
  }

  /** The last values started with, kept in this browser. */
  save() {
    try {
      localStorage.setItem(SAVED, JSON.stringify(this.read()));
    } catch {
      // storage disabled: the form starts from the defaults next time
    }
  }

  restore() {
    let saved = null;
    try {
      saved = JSON.parse(localStorage.getItem(SAVED) || "null");
    } catch {
      // a value this page did not write: start from the defaults
    }
    if (saved && typeof saved === "object") this.show(saved);
  }
}
