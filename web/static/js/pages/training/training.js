// The Live Training page: the setup form (network, dataset, hyper-parameters) starts a run
// (POST /api/runs); #run=<id> in the address attaches the page to a run, live; #from=<id>
// continues training a stored model (continue_from.js). Presentation mode: presentation.js.

import { getOpenApi, listDatasets, listPresets, startRun } from "../../api.js";
import { t } from "../../i18n.js";
import { byId } from "../../ui/dom.js";
import { FieldErrors } from "../../ui/field_errors.js";
import { Presentation } from "../../ui/presentation.js";
import { ContinueFrom, FROM_HASH } from "./continue_from.js";
import { DatasetPicker } from "./dataset_picker.js";
import { NetworkSource } from "./network_source.js";
import { bootPage, setFlag } from "./page_state.js";
import { runPanels } from "./run_panels.js";
import { RunView } from "./run_view.js";
import { RunsList } from "./runs_list.js";
import { SetupForm } from "./setup_form.js";

const HASH = /^#run=([\w.-]+)$/;

/** A preset fitted to your dataset that no longer fits it: the network check's message,
 * translated, keeps the server's "the preset, made to take 8x8 pictures:" before it. */
function withPreset(item) {
  const size = item.ctx && item.ctx.preset_size;
  if (!size || item.english === undefined || item.english === item.msg) return item;
  return { ...item, msg: t("the preset, made to take {size} pictures: {problem}",
    { size, problem: item.msg }) };
}

/** A network error names where in the spec it is (the fieldset cannot point at it). */
function located(item) {
  const [head, ...rest] = item.loc || [];
  if (head !== "network" || !rest.length || /^layer \d/.test(item.msg)) return item;
  if (item.english !== undefined && item.english !== item.msg) {
    return { ...item, msg: t("Network {where}: {problem}", { where: rest.join("."),
      problem: item.msg }) };
  }
  return { ...item, msg: t("Network {where}: {problem}", { where: rest.join("."),
    problem: item.msg.replace(/^[\w.[\]]+: /, "") }) };
}

class TrainingPage {
  constructor(schemas, datasets, presets) {
    this.form = new SetupForm(schemas);
    this.datasets = new DatasetPicker(datasets);
    this.source = new NetworkSource(presets, (preset) => this.datasets.prefer(preset.dataset),
      (model) => this.from && this.from.shown(model));
    this.errors = new FieldErrors(byId("setup-form"));
    this.from = new ContinueFrom(this.source, this.datasets, this.errors);
    this.fromQuery();
    this.runs = new RunsList();
    this.view = new RunView(runPanels((message) => this.view.send(message)),
      (run) => this.statusChanged(run));
    byId("setup-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.start();
    });
    window.addEventListener("hashchange", () => this.openFromHash());
    byId("to-setup").addEventListener("click", () => {
      byId("setup-form").scrollIntoView({ block: "start" });
      byId("setup-heading").focus();
    });
    this.runs.refresh();
    new Presentation({ onSpace: () => this.spacePressed(),
      onNext: () => this.view.panels.controls.next() && t("One step.") });
  }

  /** /training?dataset=<id>&preset=<id> (the Datasets page's "Train on this"): that dataset
   * and network chosen; the dataset after the preset, which would choose its own.
   * /training?replay=<model_id>: replay the run a stored model was trained by. */
  fromQuery() {
    const params = new URLSearchParams(window.location.search);
    this.replayModel = params.get("replay");
    if (params.get("preset")) this.source.usePreset(params.get("preset"));
    const wanted = params.get("dataset");
    if (wanted && !this.datasets.choose(wanted)) {
      byId("dataset-info").textContent = t("The dataset {name} is not one you can train on here (it was deleted, or it belongs to another browser).",
        { name: wanted });
    }
  }

  /** Resolves once the address's run or model is open. */
  async ready() {
    if (this.replayModel) {
      await this.view.panels.replay.open("model", this.replayModel);
      byId("replay-heading").scrollIntoView({ block: "start" });
    }
    const from = FROM_HASH.exec(window.location.hash);
    if (from) await this.from.load(decodeURIComponent(from[1]));
    else this.openFromHash();
  }

  /** Space in presentation mode: pause / resume this page's run, or start a new one. */
  spacePressed() {
    const status = this.view.run && this.view.run.status;
    if (this.view.panels.controls.toggle()) return status === "running" ? t("Pausing.") : t("Resuming.");
    if (status === "queued") return t("The run is queued: Space pauses it once it trains.");
    if (status && !["finished", "stopped", "failed"].includes(status)) return false;
    this.start();
    return t("Starting a new run with the form's settings.");
  }

  openFromHash() {
    const hash = window.location.hash;
    if (FROM_HASH.test(hash)) {
      this.from.load(decodeURIComponent(FROM_HASH.exec(hash)[1]));
      return;
    }
    if (hash && !hash.startsWith("#run=")) return; // an in-page link (Skip to the content)
    const match = HASH.exec(hash);
    const id = match ? decodeURIComponent(match[1]) : null;
    if (id === (this.view.run && this.view.run.id)) return;
    this.runs.setCurrent(id);
    if (id) this.view.attach(id);
    else this.view.detach();
  }

  statusChanged(run) {
    if (run.status !== this.lastStatus) this.runs.refresh();
    this.lastStatus = run.status;
  }

  async start() {
    this.errors.clear();
    setFlag("error", false);
    const network = this.source.read();
    if (!network) {
      this.fail([{ loc: ["network"], msg: t("Choose a network: build one or pick a preset.") }]);
      return;
    }
    const body = { network, dataset: this.datasets.value, training: this.form.read() };
    const initial = this.source.initialModel();
    if (initial) body.initial_model = initial;
    setFlag("starting", true);
    byId("start-status").textContent = t("Starting\u2026");
    try {
      const { id } = await startRun(body);
      this.form.save();
      byId("start-status").textContent = t("Started run {id}.", { id });
      window.location.hash = `run=${encodeURIComponent(id)}`;
      this.runs.refresh();
    } catch (err) {
      byId("start-status").textContent = "";
      this.fail(err.detail);
    } finally {
      setFlag("starting", false);
    }
  }

  fail(detail) {
    this.errors.show(detail.map((item) => located(withPreset(item))));
    setFlag("error", true);
    for (const { field } of this.errors.shown) {
      const details = field.closest("details");
      if (details) details.open = true; // an error never hides behind "More options"
    }
    const first = this.errors.shown[0];
    if (first && first.control) first.control.focus();
    else if (first) {
      first.note.tabIndex = -1; // a message with no control of its own (the network)
      first.note.focus();
    }
  }
}

bootPage(async () => {
  const [openapi, { datasets }, { presets }] = await Promise.all([
    getOpenApi(), listDatasets(), listPresets()]);
  // Detectors (a detection_head at the end) train on the Detection page, on mnist-detect.
  const classifiers = presets.filter((p) => p.task !== "detection");
  await new TrainingPage(openapi.components.schemas, datasets, classifiers).ready();
});
