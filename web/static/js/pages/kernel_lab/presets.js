// The preset picker: the catalogue grouped by category in a native <select> (keyboard and
// screen-reader friendly), the chosen entry's explanation and the "not a convolution" mark.

import { byId, h } from "../../ui/dom.js";
import { t, tx } from "../../i18n.js";

const CUSTOM = "__custom__";

export class PresetPicker {
  /** catalogue: Map name -> entry; categories: [{id, label}]; onPick(entry) */
  constructor(catalogue, categories, onPick) {
    this.catalogue = catalogue;
    this.select = byId("preset-select");
    this.explanation = byId("preset-explanation");
    this.badge = byId("nonlinear-badge");
    this.customOption = h("option", { value: CUSTOM }, t("Custom kernel"));
    const groups = categories.map((category) => h("optgroup", { label: tx(category.label) },
      [...catalogue.values()].filter((k) => k.category === category.id).map((k) =>
        h("option", { value: k.name },
          k.kind === "nonlinear" ? t("{label} (not a convolution)", { label: tx(k.label) })
            : tx(k.label)))));
    this.select.replaceChildren(this.customOption, ...groups);
    this.select.addEventListener("change", () => {
      const entry = catalogue.get(this.select.value);
      if (entry) onPick(entry);
    });
  }

  /** Reflect the selected step: a preset name, or null with the preset it started from. */
  show(kernel, basedOn) {
    const entry = this.catalogue.get(kernel || "");
    this.customOption.hidden = Boolean(entry);
    this.select.value = entry ? entry.name : CUSTOM;
    const base = this.catalogue.get(basedOn || "");
    if (entry) {
      this.explanation.textContent = tx(entry.explanation);
    } else {
      this.explanation.textContent = base
        ? t("Your own kernel, started from {label}. Pick a preset to start again.",
          { label: tx(base.label) })
        : t("Your own kernel: type any weights.");
    }
    this.badge.hidden = !(entry && entry.kind === "nonlinear");
  }
}
