// The Live Training page: the setup form (network, dataset, hyper-parameters) starts a run
// (POST /api/runs); #run=<id> in the address attaches the page to a run, live.

import { getOpenApi, listDatasets, listPresets, startRun } from "../../api.js";
import { byId } from "../dom.js";
import { FieldErrors } from "../field_errors.js";
import { ActivationsPanel } from "./activations.js";
import { Charts } from "./charts.js";
import { diverging, drawLegend, viridis } from "./colormaps.js";
import { DatasetPicker } from "./dataset_picker.js";
import { EvaluationPanel } from "./evaluation.js";
import { FiltersPanel } from "./filters.js";
import { NetworkSource } from "./network_source.js";
import { setFlag } from "./page_state.js";
import { PredictionPanel } from "./prediction.js";
import { ProbePicker } from "./probe.js";
import { Progress } from "./progress.js";
import { RunControls } from "./run_controls.js";
import { RunView } from "./run_view.js";
import { RunsList } from "./runs_list.js";
import { SamplesPanel } from "./samples.js";
import { SetupForm } from "./setup_form.js";

const HASH = /^#run=([\w.-]+)$/;

/** A network error names where in the spec it is (the fieldset cannot point at it). */
function located(item) {
  const [head, ...rest] = item.loc || [];
  if (head !== "network" || !rest.length || /^layer \d/.test(item.msg)) return item;
  return { ...item, msg: `Network ${rest.join(".")}: ${item.msg.replace(/^[\w.[\]]+: /, "")}` };
}

/** Every panel of the run column; send(message) goes to the run's socket. */
function panels(send) {
  const probe = new ProbePicker(send);
  return {
    charts: new Charts(),
    progress: new Progress(),
    activations: new ActivationsPanel(),
    filters: new FiltersPanel(),
    prediction: new PredictionPanel(),
    evaluation: new EvaluationPanel(),
    samples: new SamplesPanel((index) => probe.pickIndex(index)),
    probe,
    controls: new RunControls(),
  };
}

class TrainingPage {
  constructor(schemas, datasets, presets) {
    this.form = new SetupForm(schemas);
    this.datasets = new DatasetPicker(datasets);
    this.source = new NetworkSource(presets, (preset) => this.datasets.prefer(preset.dataset));
    this.errors = new FieldErrors(byId("setup-form"));
    this.runs = new RunsList();
    this.view = new RunView(panels((message) => this.view.send(message)),
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
    this.openFromHash();
  }

  openFromHash() {
    const hash = window.location.hash;
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
      this.fail([{ loc: ["network"], msg: "Choose a network: build one or pick a preset." }]);
      return;
    }
    const body = { network, dataset: this.datasets.value, training: this.form.read() };
    setFlag("starting", true);
    byId("start-status").textContent = "Starting\u2026";
    try {
      const { id } = await startRun(body);
      this.form.save();
      byId("start-status").textContent = `Started run ${id}.`;
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
    this.errors.show(detail.map(located));
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

async function boot() {
  drawLegend(byId("seq-legend"), viridis);
  drawLegend(byId("div-legend"), diverging);
  try {
    const [openapi, { datasets }, { presets }] = await Promise.all([
      getOpenApi(), listDatasets(), listPresets()]);
    new TrainingPage(openapi.components.schemas, datasets, presets);
    setFlag("booting", false);
  } catch (err) {
    const node = byId("boot-error");
    node.hidden = false;
    node.textContent = `The page could not load: ${err.message}`;
    setFlag("error", true);
  }
}

boot();
