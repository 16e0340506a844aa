// The runs to choose from: yours (GET /api/runs, live and pruned) or, in a room, the class's
// (GET /api/rooms/{code}/runs); a checkbox each. A chosen run shows its colour, line and
// marker; a run the link names that the list lacks (one shown in a room) is added to it.

import { t } from "../../i18n.js";
import { byId, h } from "../../ui/dom.js";
import { swatch } from "./swatch.js";
import { percent, runLabel, settingValue } from "./compare_format.js";
import { MAX_RUNS } from "./compare_state.js";

const STATUS = {
  queued: t("queued"), running: t("running"), paused: t("paused"), finished: t("finished"),
  stopped: t("stopped"), failed: t("failed"),
};

/** A run as GET /api/runs lists it (live or pruned) or as a comparison has it. */
function details(run) {
  const lr = settingValue(run.settings?.["training.learning_rate"]
    ?? run.training?.learning_rate);
  const final = run.final || run.metrics || {};
  const accuracy = final.accuracy_of_run ?? final.val_accuracy;
  return t("{dataset}, {status}, learning rate {lr}, accuracy {accuracy}", { dataset: run.dataset,
    status: STATUS[run.status] || run.status, lr, accuracy: percent(accuracy) });
}

export class RunPicker {
  constructor(onToggle) {
    this.list = byId("run-list");
    this.runs = new Map();
    this.onToggle = onToggle;
  }

  /** The runs to list, newest first (as the server sends them). */
  show(runs) {
    this.runs = new Map(runs.map((run) => [run.id, run]));
    this.list.replaceChildren(...runs.map((run) => this.item(run)));
    byId("runs-loading").hidden = true;
    byId("runs-empty").hidden = runs.length > 0;
  }

  /** Add the runs of a comparison that the list lacks (in place of their stand-ins). */
  ensure(runs) {
    for (const run of runs) {
      const known = this.runs.get(run.id);
      if (known && !known.unknown) continue;
      this.runs.set(run.id, run);
      const old = [...this.list.children].find((item) => item.dataset.run === run.id);
      if (old) old.replaceWith(this.item(run));
      else this.list.append(this.item(run));
      byId("runs-empty").hidden = true;
    }
  }

  /** A chosen run the list does not know yet (or cannot show): its id, to untick it. */
  standIn(id) {
    const run = { id, unknown: true };
    this.runs.set(id, run);
    this.list.append(h("li", { dataset: { run: id } }, this.box(run),
      h("span", { class: "pick-swatch" }), h("label", { for: `pick-${id}` }, id),
      h("span", { id: `pick-${id}-details`, class: "hint pick-details" },
        t("named by the link, not among the runs listed here"))));
  }

  box(run) {
    const id = `pick-${run.id}`;
    const box = h("input", { type: "checkbox", id, value: run.id,
      "aria-describedby": `${id}-details` });
    box.addEventListener("change", () => this.onToggle(run.id, box.checked, box));
    return box;
  }

  item(run) {
    const id = `pick-${run.id}`;
    return h("li", { dataset: { run: run.id } }, this.box(run),
      h("span", { class: "pick-swatch" }),
      h("label", { for: id }, runLabel(run)),
      h("span", { id: `${id}-details`, class: "hint pick-details" }, details(run)));
  }

  /** Tick the chosen runs (in their order: the colours) and say how many there are. */
  mark(chosen) {
    for (const id of chosen) {
      if (!this.runs.has(id)) this.standIn(id);
    }
    for (const item of this.list.children) {
      const place = chosen.indexOf(item.dataset.run);
      item.querySelector("input").checked = place >= 0;
      item.querySelector(".pick-swatch").replaceChildren(...(place >= 0 ? [swatch(place)] : []));
    }
    const count = chosen.length;
    byId("picker-count").textContent = count === 0
      ? t("No run chosen (up to {max}).", { max: MAX_RUNS })
      : t("{count} of at most {max} runs chosen.", { count, max: MAX_RUNS });
  }
}
