// "What the class sees" on the Classroom page: one of the teacher's runs (GET /api/runs),
// the network in this browser's Builder (localStorage["cnnpg.spec"]), the Kernel Lab in
// follow-me mode (the Kernel Lab page then publishes its own state), a model
// (GET /api/models), one of the teacher's datasets (GET /api/datasets, kind "yours"), or
// nothing; sent with PUT /api/rooms/{code}/broadcast.

import { listDatasets, listModels, listRuns } from "../../api.js";
import { setBroadcast } from "../../api_rooms.js";
import { savedSpec } from "../builder/share.js";
import { formatNumber, t, tn } from "../../i18n.js";
import { byId, h } from "../../ui/dom.js";
import { FieldErrors } from "../../ui/field_errors.js";
import { describeBroadcast, located } from "../room/state.js";

const SELECTS = { run: "broadcast-run", model: "broadcast-model",
  dataset: "broadcast-dataset" };
const FIELDS = { run: "run_id", model: "model_id", dataset: "dataset_id" };
const NOTHING_TO_SHOW = {
  run: () => t("There is no run to show yet."),
  model: () => t("There is no model to show yet."),
  dataset: () => t("There is no dataset to show yet."),
};
const STATUS = {
  queued: () => t("queued"), running: () => t("running"), paused: () => t("paused"),
  finished: () => t("finished"), stopped: () => t("stopped"), failed: () => t("failed"),
};

/** A run's status in words (as the server names it when this page does not know it). */
function runStatus(status) {
  return STATUS[status] ? STATUS[status]() : status;
}

/** "LeNet (mnist, test accuracy 97.3%)" */
function modelText(m) {
  const dataset = m.dataset || t("unknown dataset");
  if (typeof m.test_accuracy !== "number") return t("{name} ({dataset})", { name: m.name, dataset });
  const accuracy = formatNumber(m.test_accuracy, { style: "percent", minimumFractionDigits: 1,
    maximumFractionDigits: 1 });
  return t("{name} ({dataset}, test accuracy {accuracy})", { name: m.name, dataset, accuracy });
}

function fill(select, items, empty) {
  const keep = select.value;
  select.replaceChildren(...(items.length ? items.map(([value, text]) => h("option", { value },
    text)) : [h("option", { value: "" }, empty)]));
  if (items.some(([value]) => value === keep)) select.value = keep;
}

export class BroadcastPicker {
  /** onRoom(room): the RoomView the server answered with. */
  constructor(onRoom) {
    this.code = null;
    this.onRoom = onRoom;
    this.form = byId("broadcast-form");
    this.errors = new FieldErrors(this.form);
    this.shownOnce = false;
    for (const radio of this.radios()) radio.addEventListener("change", () => this.picked());
    byId("runs-reload").addEventListener("click", () => this.loadRuns());
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.send();
    });
    // Back from the Training tab with a new run, or from the Builder with a new network.
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible" && this.code) this.load();
    });
  }

  /** A newly opened room: its broadcast chooses the radio again. */
  reset(code) {
    this.code = code;
    this.shownOnce = false;
    this.errors.clear();
  }

  radios() {
    return [...this.form.querySelectorAll('input[name="broadcast-kind"]')];
  }

  get kind() {
    return (this.radios().find((r) => r.checked) || { value: "none" }).value;
  }

  async load() {
    this.showBuilder();
    await Promise.all([this.loadRuns(), this.loadModels(), this.loadDatasets()]);
    this.kindChanged();
  }

  async loadRuns() {
    try {
      const { runs } = await listRuns();
      fill(byId("broadcast-run"), runs.map((r) => [r.id,
        t("{network} on {dataset}, {status}, epoch {epoch} of {epochs} ({id})", {
          network: r.network, dataset: r.dataset, status: runStatus(r.status), epoch: r.epoch,
          epochs: r.epochs, id: r.id })]),
      t("No runs yet"));
      this.runs = runs.length;
    } catch (err) {
      fill(byId("broadcast-run"), [], t("Runs could not be listed: {error}",
        { error: err.message }));
      this.runs = 0;
    }
    this.kindChanged();
  }

  async loadModels() {
    try {
      const { models } = await listModels();
      const classifiers = models.filter((m) => !m.damaged && m.task !== "detection");
      fill(byId("broadcast-model"), classifiers.map((m) => [m.id, modelText(m)]),
        t("No models yet"));
    } catch (err) {
      fill(byId("broadcast-model"), [], t("Models could not be listed: {error}",
        { error: err.message }));
    }
  }

  async loadDatasets() {
    try {
      const { datasets } = await listDatasets();
      fill(byId("broadcast-dataset"), datasets.filter((d) => d.kind === "yours").map((d) => [
        d.id, t("{title} ({pictures} pictures, {classes} classes)", { title: d.title,
          pictures: d.total, classes: d.classes.length })]),
      t("No datasets yet"));
    } catch (err) {
      fill(byId("broadcast-dataset"), [], t("Datasets could not be listed: {error}",
        { error: err.message }));
    }
  }

  showBuilder() {
    this.spec = savedSpec();
    const valid = this.spec && this.spec.input && Array.isArray(this.spec.layers);
    byId("kind-network").disabled = !valid;
    const hint = byId("builder-network");
    if (valid) {
      const i = this.spec.input;
      hint.textContent = tn("Input {channels} \u00d7 {height} \u00d7 {width}, {n} layer (the last network the Builder checked).",
        "Input {channels} \u00d7 {height} \u00d7 {width}, {n} layers (the last network the Builder checked).",
        this.spec.layers.length, { channels: String(i.channels), height: String(i.height),
          width: String(i.width) });
    } else {
      // One sentence with the link inside it: the text around {link} is the catalogue's.
      const [before, after = ""] = t("None in this browser yet: build one on the {link}.")
        .split("{link}");
      hint.replaceChildren(before, h("a", { href: "/builder" }, t("Builder page")), after);
    }
  }

  /** A kind chosen: its list is fetched again (a run or model made since is offered). */
  picked() {
    this.kindChanged();
    if (this.kind === "run") this.loadRuns();
    else if (this.kind === "model") this.loadModels().then(() => this.kindChanged());
    else if (this.kind === "dataset") this.loadDatasets().then(() => this.kindChanged());
    else if (this.kind === "network") this.showBuilder();
  }

  kindChanged() {
    for (const [kind, id] of Object.entries(SELECTS)) {
      const select = byId(id);
      select.disabled = this.kind !== kind || !select.value;
    }
  }

  body() {
    const kind = this.kind;
    if (kind === "run") return { kind, run_id: byId("broadcast-run").value };
    if (kind === "model") return { kind, model_id: byId("broadcast-model").value };
    if (kind === "dataset") return { kind, dataset_id: byId("broadcast-dataset").value };
    if (kind === "network") return { kind, network: this.spec };
    if (kind === "kernel_lab") return { kind, kernel_lab: {}, follow: true };
    return { kind: "none" };
  }

  async send() {
    this.errors.clear();
    const body = this.body();
    const what = FIELDS[body.kind];
    if (what && !body[what]) {
      this.errors.show([{ loc: [what], msg: NOTHING_TO_SHOW[body.kind]() }]);
      return;
    }
    byId("broadcast-button").setAttribute("aria-busy", "true");
    try {
      this.onRoom(await setBroadcast(this.code, body));
    } catch (err) {
      this.errors.show(located(err.detail));
    } finally {
      byId("broadcast-button").removeAttribute("aria-busy");
    }
  }

  /** The broadcast now (every RoomView); the choice follows it the first time only, so an
   * update never undoes what the teacher is choosing. */
  show(room) {
    const b = room.broadcast;
    byId("broadcast-current").textContent = t("Showing: {what}", { what: describeBroadcast(b) });
    document.body.dataset.broadcast = b.kind;
    if (this.shownOnce) return;
    this.shownOnce = true;
    const radio = this.radios().find((r) => r.value === b.kind);
    if (radio && !radio.disabled) radio.checked = true;
    if (b.kind === "run" && b.run_id) byId("broadcast-run").value = b.run_id;
    if (b.kind === "model" && b.model_id) byId("broadcast-model").value = b.model_id;
    if (b.kind === "dataset" && b.dataset_id) byId("broadcast-dataset").value = b.dataset_id;
    this.kindChanged();
  }
}
