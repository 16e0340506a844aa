// The palette: every layer type of the catalogue, grouped by category. A click (or Enter)
// adds the layer at the end of the stack; dragging it onto the stack inserts it there.

import { t } from "../../i18n.js";
import { h } from "../../ui/dom.js";
import { TYPE_MIME } from "./stack.js";

export class Palette {
  constructor(root, catalog, add) {
    this.root = root;
    this.catalog = catalog;
    this.add = add;
    root.replaceChildren(...catalog.categories.map((c) => this.group(c)).filter(Boolean));
  }

  group(category) {
    const entries = this.catalog.inCategory(category);
    if (!entries.length) return null;
    const id = `palette-${category}`;
    return h("section", { class: "palette-group", dataset: { category }, "aria-labelledby": id },
      h("h3", { id, class: "palette-heading" },
        h("span", { class: "category-swatch", "aria-hidden": "true" }),
        this.catalog.categoryName(category)),
      h("ul", { class: "palette-list" }, entries.map((entry) => h("li", {}, ...this.item(entry)))));
  }

  item(entry) {
    const hint = `palette-hint-${entry.type}`;
    const node = h("button", {
      type: "button", class: "palette-item", draggable: "true", title: entry.docs,
      dataset: { type: entry.type }, "aria-describedby": hint,
      onclick: () => this.add(entry.type),
    }, h("span", { class: "visually-hidden" }, t("Add")), " ", entry.label);
    node.addEventListener("dragstart", (event) => {
      event.dataTransfer.setData(TYPE_MIME, entry.type);
      event.dataTransfer.setData("text/plain", entry.label);
      event.dataTransfer.effectAllowed = "copy";
    });
    return [node, h("span", { class: "visually-hidden", id: hint }, entry.docs)];
  }
}
