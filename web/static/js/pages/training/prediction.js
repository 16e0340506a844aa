// The probe's softmax: one bar per class, the true and the predicted class named in text.

import { formatNumber, t } from "../../i18n.js";
import { byId, h } from "../../ui/dom.js";

function label(event) {
  const probe = event.probe || {};
  return probe.image_id ? t("the uploaded image")
    : t("validation image {index}", { index: String(probe.index) });
}

export class PredictionPanel {
  constructor() {
    this.list = byId("softmax-bars");
    this.waiting = byId("softmax-waiting");
  }

  reset(waitingText) {
    this.list.replaceChildren();
    byId("softmax-for").textContent = "";
    this.waiting.hidden = false;
    this.waiting.textContent = waitingText;
  }

  /** event: a `prediction` event. */
  show(event) {
    const p = event.probabilities || [];
    const best = p.indexOf(Math.max(...p));
    this.waiting.hidden = p.length > 0;
    this.list.replaceChildren(...p.map((value, i) => this.bar(event, value, i, best)));
    const known = event.true_label !== null && event.true_label !== undefined;
    const truth = known ? String((event.classes || [])[event.true_label] ?? event.true_label) : "";
    byId("softmax-for").textContent = known
      ? t("Class probabilities for {image}, true class {truth}.", { image: label(event), truth })
      : t("Class probabilities for {image}.", { image: label(event) });
  }

  bar(event, value, i, best) {
    const name = (event.classes || [])[i] ?? String(i);
    const tags = [];
    if (i === best) tags.push(t("predicted"));
    if (event.true_label === i) tags.push(t("true class"));
    const pct = formatNumber(value, { style: "percent", minimumFractionDigits: 1,
      maximumFractionDigits: 1 });
    return h("li", { class: `bar-row${i === best ? " best" : ""}${
      event.true_label === i ? " truth" : ""}` },
      h("span", { class: "bar-label" }, name),
      h("span", { class: "bar-track", "aria-hidden": "true" },
        h("span", { class: "bar-fill", style: `width: ${(value * 100).toFixed(2)}%` })),
      h("span", { class: "bar-value" }, pct, tags.length ? ` (${tags.join(", ")})` : ""));
  }
}
