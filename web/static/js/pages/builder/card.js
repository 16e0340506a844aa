// One layer of the stack as a card: category colour plus its name in text, the output
// shape and parameter count, the formula (and a block's inner layers) on demand, the
// buttons that move, duplicate and remove it, and its settings form.

import { t, tn } from "../../i18n.js";
import { h } from "../../ui/dom.js";
import { FieldErrors } from "../../ui/field_errors.js";
import { display, fieldControl } from "./fields.js";
import * as format from "./format.js";
import { rowFormula } from "./formula.js";

function button(cls, text, hidden, onclick) {
  return h("button", { type: "button", class: cls, onclick }, text,
    h("span", { class: "visually-hidden" }, hidden));
}

function innerTable(inner) {
  const head = h("tr", {}, [t("Part"), t("Type"), t("Kernel"), t("Output"), t("Params")].map(
    (text) => h("th", { scope: "col" }, text)));
  const rows = inner.map((part) => h("tr", {},
    h("td", {}, part.name), h("td", {}, part.type),
    h("td", {}, part.kernel_size ? `${display(part.kernel_size)}` : "\u2013"),
    h("td", {}, format.shape(part.output_shape)), h("td", {}, format.count(part.params))));
  return h("table", { class: "inner-table" }, h("caption", {}, t("Inner layers")),
    h("thead", {}, head), h("tbody", {}, rows));
}

export class LayerCard {
  /** actions: edit(id, name, value), move(id, delta, button), duplicate(id), remove(id). */
  constructor(layer, catalog, actions) {
    this.id = layer.id;
    this.type = layer.type;
    this.catalog = catalog;
    this.actions = actions;
    this.fields = catalog.fields(layer.type);
    this.values = layer.values;
    this.el = this.build(catalog.entry(layer.type));
    this.errors = new FieldErrors(this.el);
    this.shownErrors = "[]";
    this.refreshSettings();
  }

  build(entry) {
    const key = `layer-${this.id}`;
    this.position = h("span", { class: "visually-hidden", id: `${key}-pos` });
    this.number = h("span", { class: "card-number", "aria-hidden": "true" });
    this.problem = h("span", { class: "card-problem", hidden: true });
    this.head = h("div", { class: "card-head", draggable: "true" },
      h("span", { class: "drag-handle", "aria-hidden": "true", title: t("Drag to reorder") },
        "\u2807"),
      this.number, this.position,
      h("h3", { class: "card-title", id: `${key}-title` }, entry.label),
      h("span", { class: "category-badge", id: `${key}-cat` }, this.catalog.categoryName(
        entry.category)),
      this.problem);
    this.settings = h("p", { class: "card-settings" });
    this.shapeText = h("dd", { class: "card-shape" }, "\u2026");
    this.paramsText = h("dd", { class: "card-params" }, "\u2026");
    const stats = h("dl", { class: "card-stats", id: `${key}-stats` },
      h("div", {}, h("dt", {}, t("Output")), this.shapeText),
      h("div", {}, h("dt", {}, t("Params")), this.paramsText));
    this.general = h("div", { class: "card-general field", dataset: { loc: "general" } });
    this.more = this.buildMore(entry);
    this.form = this.buildForm(key);
    return h("li", {
      class: "layer-card", tabindex: "0", dataset: { id: this.id, category: entry.category },
      "aria-labelledby": `${key}-pos ${key}-title ${key}-cat`,
      "aria-describedby": `${key}-stats builder-card-keys`,
    }, this.head, this.settings, stats, this.general, this.more, this.buildActions(key),
    this.form || "");
  }

  buildMore(entry) {
    this.formula = h("p", { class: "formula" });
    this.inner = h("div", { class: "inner" });
    const title = entry.category === "block" ? t("Formula and inner layers") : t("Formula");
    return h("details", { class: "card-more" },
      h("summary", {}, title), this.formula, this.inner,
      h("p", { class: "hint card-docs" }, entry.docs));
  }

  buildActions(key) {
    const label = `: ${this.catalog.label(this.type)}`;
    this.upButton = button("card-up", t("\u2191 Move up"), label,
      () => this.actions.move(this.id, -1, "card-up"));
    this.downButton = button("card-down", t("\u2193 Move down"), label,
      () => this.actions.move(this.id, 1, "card-down"));
    this.editButton = this.fields.length ? h("button", {
      type: "button", class: "card-edit", "aria-expanded": "false", "aria-controls": `${key}-form`,
      onclick: () => this.expand(this.form.hidden),
    }, t("Settings"), h("span", { class: "visually-hidden" }, label)) : null;
    return h("div", { class: "card-actions" }, this.editButton, this.upButton, this.downButton,
      button("card-duplicate", t("Duplicate"), label, () => this.actions.duplicate(this.id)),
      button("card-remove", t("Remove"), label, () => this.actions.remove(this.id)));
  }

  buildForm(key) {
    if (!this.fields.length) return null;
    const controls = this.fields.map((d) => fieldControl(d, key, this.values[d.name],
      (name, value) => {
        this.actions.edit(this.id, name, value);
        this.refreshSettings();
      }));
    return h("div", { class: "card-form", id: `${key}-form`, hidden: true }, controls);
  }

  /** Show (true) or hide (false) the settings form. */
  expand(open) {
    if (!this.form) return;
    this.form.hidden = !open;
    this.editButton.setAttribute("aria-expanded", String(open));
    this.el.classList.toggle("open", open);
  }

  /** Its place in the stack: "Layer 2 of 7", Move up/down disabled at the ends. */
  place(index, total) {
    this.number.textContent = String(index + 1);
    this.position.textContent = t("Layer {position} of {total}:", { position: index + 1, total });
    this.upButton.disabled = index === 0;
    this.downButton.disabled = index === total - 1;
  }

  /** The settings that differ from the defaults, e.g. "Filters 20 · Kernel Size 5". */
  refreshSettings() {
    const parts = this.fields.filter((d) => JSON.stringify(this.values[d.name]) !== JSON.stringify(
      d.default)).map((d) => `${d.title} ${display(this.values[d.name]) || t("none")}`);
    this.settings.textContent = parts.length ? parts.join(" \u00b7 ")
      : this.fields.length ? t("Default settings") : t("No settings");
  }

  /** A summary row from the server (null: not computed). */
  showRow(row) {
    const shape = row ? row.output_shape : null;
    this.shapeText.textContent = format.shape(shape);
    this.el.classList.toggle("unknown-shape", !shape);
    this.paramsText.textContent = shape ? format.count(row.params) : "\u2013";
    this.formula.textContent = rowFormula(row)
      || (shape ? t("The output has the shape of the input.")
        : t("Not computed: see the problems above."));
    this.inner.replaceChildren(row && row.inner && row.inner.length ? innerTable(row.inner) : "");
  }

  /** This layer's problems ({loc: [field, ...], msg}); unchanged lists are not re-announced. */
  showErrors(detail) {
    const key = JSON.stringify(detail);
    if (key === this.shownErrors) return;
    this.shownErrors = key;
    this.errors.show(detail);
    const n = detail.length;
    this.problem.hidden = n === 0;
    this.problem.textContent = tn("\u26a0 {n} problem", "\u26a0 {n} problems", n);
    this.el.classList.toggle("has-problem", n > 0);
    if (detail.some((d) => this.fields.some((f) => f.name === d.loc[0]))) this.expand(true);
  }
}
