// The preset picker: the committed example networks (GET /api/presets), a description of
// the selected one, and a Load button (choosing alone does not replace the stack).

import { t, tx } from "../../i18n.js";
import { byId, h } from "../../ui/dom.js";

export class PresetPicker {
  /** load(id): called by the Load button. */
  constructor(presets, load) {
    this.presets = new Map(presets.map((p) => [p.id, p]));
    this.select = byId("preset-select");
    this.select.replaceChildren(...presets.map((p) => h("option", { value: p.id }, tx(p.name))));
    this.select.addEventListener("change", () => this.describe());
    byId("preset-load").addEventListener("click", () => {
      if (this.select.value) load(this.select.value);
    });
    this.describe();
  }

  describe() {
    const preset = this.presets.get(this.select.value);
    const input = preset ? preset.input : null;
    byId("preset-description").textContent = preset ? t(
      "{description} Input {channels} \u00d7 {height} \u00d7 {width}, {layers} layers.", {
        description: tx(preset.description), channels: input.channels, height: input.height,
        width: input.width, layers: preset.layers }) : "";
  }

  name(id) {
    const preset = this.presets.get(id);
    return preset ? preset.name : id;
  }
}
