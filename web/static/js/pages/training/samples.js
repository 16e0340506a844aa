// Validation samples with their predictions, misclassified first; each one can be picked
// as the probe image.

import { formatNumber, t } from "../../i18n.js";
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
      const confidence = formatNumber(s.confidence, { style: "percent", maximumFractionDigits: 0 });
      const values = { predicted: String(name(s.predicted)), confidence,
        truth: String(name(s.true_label)) };
      const text = wrong ? t("predicted {predicted} ({confidence}), true {truth}", values)
        : t("predicted {predicted} ({confidence}), right", values);
      const index = String(s.index);
      return h("li", { class: `sample${wrong ? " wrong" : ""}` },
        h("button", {
          type: "button", class: "sample-button", onclick: () => this.pick(s.index),
          disabled: !this.pickable,
          "aria-label": this.pickable ? t("Validation image {index}: {text}. Use as probe.",
            { index, text }) : t("Validation image {index}: {text}.", { index, text }),
        }, h("img", { src: s.png, alt: "", width: 56, height: 56 }),
        h("span", { class: "sample-text" }, wrong ? h("strong", {}, "\u2717 ") : "\u2713 ", text)));
    }));
  }
}
