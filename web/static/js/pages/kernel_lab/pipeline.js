// The pipeline: the filters applied in sequence. One step is selected and shown in the
// editor; steps can be added (a copy of the current filter), reordered and removed.

import { byId, h } from "../../ui/dom.js";
import { t } from "../../i18n.js";

export class PipelineView {
  /** on: {select(i), add(), move(i, delta), remove(i)}; maxSteps: the pipeline's limit. */
  constructor(on, maxSteps) {
    this.on = on;
    this.maxSteps = maxSteps;
    this.list = byId("pipeline-list");
    this.addButton = byId("add-step");
    this.addButton.addEventListener("click", () => this.on.add());
  }

  /** labels: one per step; selected: the index in the editor. */
  render(labels, selected) {
    const focused = this.pendingFocus || (document.activeElement
      && this.list.contains(document.activeElement) ? document.activeElement.dataset.action : null);
    this.pendingFocus = null;
    const items = labels.map((label, i) => this.item(label, i, labels.length, i === selected));
    this.list.replaceChildren(...items);
    this.addButton.disabled = labels.length >= this.maxSteps;
    if (focused) this.restoreFocus(focused);
  }

  item(label, i, count, selected) {
    const name = t("step {n} ({label})", { n: i + 1, label });
    const button = (action, text, aria, disabled, handler) => h("button", {
      type: "button", class: `step-${action}`, "aria-label": aria, disabled,
      dataset: { action: `${action}-${i}` }, onclick: handler,
    }, text);
    return h("li", { class: `step field${selected ? " selected" : ""}`,
      dataset: { loc: `steps.${i}` } },
      h("div", { class: "step-row" },
        h("button", {
          type: "button", class: "step-pick", "aria-pressed": selected ? "true" : "false",
          dataset: { action: `pick-${i}` }, onclick: () => this.on.select(i),
          "aria-label": t("Edit {step}", { step: name }),
        }, h("span", { class: "step-number" }, `${i + 1}.`), ` ${label}`),
        button("up", "\u2191", t("Move {step} up", { step: name }), i === 0,
          () => this.move(i, -1, "up")),
        button("down", "\u2193", t("Move {step} down", { step: name }), i === count - 1,
          () => this.move(i, 1, "down")),
        button("remove", "\u00d7", t("Remove {step}", { step: name }), count === 1,
          () => this.on.remove(i))));
  }

  move(i, delta, action) {
    this.pendingFocus = `${action}-${i + delta}`; // focus follows the moved step
    this.on.move(i, delta);
  }

  /** Keep keyboard focus on the same kind of button after the list is rebuilt. */
  restoreFocus(action) {
    const target = this.list.querySelector(`[data-action="${action}"]:not(:disabled)`)
      || this.list.querySelector(".step.selected .step-pick");
    if (target) target.focus();
  }
}
