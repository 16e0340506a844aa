// Validation samples with their predictions, misclassified first; each one can be picked
// as the probe image.

import { byId, h } from "../../ui/dom.js";

export class SamplesPanel {
  /** pick(index): make validation image `index` the probe. */
  constructor(pick) {
    this.pick = pick;
    this.pickable = true;
    this.list = byId("samples-list");
    this.waiting = byId("samples-waiting");
  }

  reset() {
    this.list.replaceChildren();
    this.waiting.hidden = false;
  }

  /** Only the run's owner picks the probe; others see the samples as a list. */
  setPickable(pickable) {
    this.pickable = pickable;
    for (const button of this.list.querySelectorAll("button")) button.disabled = !pickable;
  }

  /** event: a `samples` event. */
  show(event) {
    const classes = event.classes || [];
    const name = (i) => classes[i] ?? String(i);
    this.waiting.hidden = event.samples.length > 0;
    this.list.replaceChildren(...event.samples.map((s) => {
      const wrong = s.predicted !== s.true_label;
      const confidence = `${(s.confidence * 100).toFixed(0)}%`;
      const text = wrong ? `predicted ${name(s.predicted)} (${confidence}), true ${
        name(s.true_label)}` : `predicted ${name(s.predicted)} (${confidence}), right`;
      return h("li", { class: `sample${wrong ? " wrong" : ""}` },
        h("button", {
          type: "button", class: "sample-button", onclick: () => this.pick(s.index),
          disabled: !this.pickable,
          "aria-label": `Validation image ${s.index}: ${text}.${this.pickable ? " Use as probe."
            : ""}`,
        }, h("img", { src: s.png, alt: "", width: 56, height: 56 }),
        h("span", { class: "sample-text" }, wrong ? h("strong", {}, "\u2717 ") : "\u2713 ", text)));
    }));
  }
}
