// The model list: one radio per model with its name and version ("digits v3"), its
// aliases as tags (default, best, your own), dataset, classes and test accuracy.
// Damaged models are listed greyed out with their reason and cannot be chosen. The arrow
// keys move through the list (a radio group); the choice is remembered in localStorage.

import { formatNumber, t, tn, tx } from "../../i18n.js";
import { byId, h } from "../../ui/dom.js";
import { getModel } from "../../api.js";

const STORAGE_KEY = "cnnpg.classify.model";

function classesText(classes) {
  if (!classes || !classes.length) return t("classes unknown");
  const shown = classes.length <= 4 ? classes.join(", ")
    : `${classes.slice(0, 3).join(", ")}, \u2026, ${classes.at(-1)}`;
  return tn("{n} class ({names})", "{n} classes ({names})", classes.length, { names: shown });
}

function accuracyText(accuracy) {
  return typeof accuracy === "number" ? t("test accuracy {percent}", { percent: formatNumber(
    accuracy, { style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1 }) })
    : t("test accuracy not measured");
}

function shapeText(shape) {
  return Array.isArray(shape) ? shape.join(" \u00d7 ") : t("unknown");
}

/** "digits v3": a model's name and version (the version is left out when unknown). */
export function versionedName(model) {
  const name = model.name || model.id;
  return Number.isInteger(model.version) ? `${name} v${model.version}` : name;
}

function aliasTags(model) {
  return (model.aliases || []).map((alias) => h("span", {
    class: "tag alias-tag", title: t("alias {alias} points to this version", { alias }),
  }, alias));
}

function remembered() {
  try {
    return window.localStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

function remember(id) {
  try {
    window.localStorage.setItem(STORAGE_KEY, id);
  } catch {
    // private browsing: the choice is simply not kept
  }
}

export class ModelPicker {
  /** onChange(model): a usable model was chosen (also once at start). */
  constructor(models, onChange) {
    this.models = models;
    this.onChange = onChange;
    this.list = byId("model-list");
    this.details = byId("model-details");
    this.token = 0;
    this.list.replaceChildren(...models.map((m) => this.item(m)));
    const usable = models.filter((m) => !m.damaged);
    byId("models-empty").hidden = usable.length > 0;
    // ?model=<id> (the Training page's "Classify with it") wins over the remembered choice.
    const asked = new URLSearchParams(window.location.search).get("model");
    const first = usable.find((m) => m.id === asked) || usable.find((m) => m.id === remembered())
      || usable.find((m) => m.shipped) || usable[0];
    if (first) this.choose(first.id, false);
  }

  item(model) {
    const id = `model-${model.id}`;
    const dataset = model.dataset || t("unknown dataset");
    const facts = `${dataset} \u00b7 ${classesText(model.classes)}`
      + ` \u00b7 ${accuracyText(model.test_accuracy)}`;
    const input = h("input", {
      type: "radio", name: "model", id, value: model.id, disabled: Boolean(model.damaged),
      "aria-describedby": `${id}-facts${model.damaged ? ` ${id}-damaged` : ""}`,
      onchange: () => this.choose(model.id, true),
    });
    return h("li", { class: `model-item${model.damaged ? " damaged" : ""}` },
      input,
      h("label", { for: id },
        h("span", { class: "model-name" }, versionedName(model),
          model.shipped ? h("span", { class: "tag" }, t("shipped")) : null, ...aliasTags(model)),
        h("span", { class: "model-facts", id: `${id}-facts` }, facts),
        model.damaged ? h("span", { class: "model-damaged", id: `${id}-damaged` },
          t("Damaged, cannot be used: {reason}", { reason: model.damaged })) : null));
  }

  get current() {
    return this.models.find((m) => m.id === this.value) || null;
  }

  choose(id, byUser) {
    this.value = id;
    const input = this.list.querySelector(`input[value="${CSS.escape(id)}"]`);
    if (input) input.checked = true;
    for (const li of this.list.children) {
      li.classList.toggle("selected", li.querySelector("input").checked);
    }
    if (byUser) remember(id);
    const model = this.current;
    this.describe(model);
    this.onChange(model);
  }

  /** Details from GET /api/models/{id}: input shape, layers and parameters. */
  async describe(model) {
    this.token += 1;
    const token = this.token;
    const network = model.network ? tx(model.network) : t("Network"); // a preset's name
    const base = t("{network}; input {shape} (channels \u00d7 height \u00d7 width).", {
      network, shape: shapeText(model.input_shape) });
    this.details.textContent = base;
    try {
      const details = await getModel(model.id);
      if (token !== this.token) return;
      const summary = details.summary || {};
      const layers = (summary.layers || []).length;
      const params = summary.total_params;
      const parts = [base];
      if (layers) parts.push(tn("{n} layer", "{n} layers", layers));
      if (typeof params === "number") parts.push(tn("{n} parameter", "{n} parameters", params));
      if (model.created) parts.push(t("trained {date}", { date: String(model.created).slice(0, 10) }));
      if (model.description) parts.push(model.description);
      this.details.textContent = parts.join(" \u00b7 ");
    } catch {
      // the listing already said enough; an error here shows when classifying
    }
  }
}
