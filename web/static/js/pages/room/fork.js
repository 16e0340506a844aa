// "Make your own copy" on the room page: POST /api/rooms/{code}/fork. A network goes to
// localStorage["cnnpg.spec"] (the Builder's and the Training page's) and opens the Builder
// (#spec=...) or the Training page; a model or checkpoint is a private copy that opens on
// the Training page (its train_url, /training#from=<id>). A dataset is a private copy that
// stays on this page with two links: "Add your pictures" (the Datasets page with it open)
// and "Train on this" (the Training page with it chosen and the suggested preset).

import { forkFromRoom } from "../../api_rooms.js";
import { encodeSpec, handOff } from "../builder/share.js";
import { t, tn } from "../../i18n.js";
import { byId } from "../../ui/dom.js";
import { FieldErrors } from "../../ui/field_errors.js";
import { setFlag } from "./state.js";
import { recallFork, rememberFork } from "./dataset_fork.js";

const ACTIVE = ["running", "paused"];
const CLASSIFY_KEY = "cnnpg.classify.model"; // the Classify page's remembered model

// Which buttons each broadcast offers (run: the network, a checkpoint while it trains, its
// model once saved).
function offered(kind, run) {
  if (kind === "network") return ["fork-builder", "fork-train"];
  if (kind === "model") return ["fork-model", "try-classify"];
  if (kind === "dataset") return ["fork-dataset"];
  if (kind !== "run") return [];
  const ids = ["fork-network"];
  if (run && ACTIVE.includes(run.status)) ids.push("fork-checkpoint");
  if (run && run.model_id) ids.push("fork-model");
  return ids;
}

export class ForkPanel {
  constructor(code) {
    this.code = code;
    this.errors = new FieldErrors(byId("fork-panel"));
    for (const button of byId("fork-panel").querySelectorAll("button[data-what]")) {
      button.addEventListener("click", () => this.fork(button));
    }
  }

  /** kind: the broadcast's; run: the broadcast run as the run view knows it (or null);
   * modelId: the broadcast model (Try it in Classify opens it); datasetId: the broadcast
   * dataset (a fork of it made before a reload is offered again). */
  show(kind, run = null, modelId = null, datasetId = null) {
    const ids = offered(kind, run);
    byId("fork-panel").hidden = ids.length === 0;
    if (!byId("forked-dataset").hidden) { // the links of a dataset no longer shown
      byId("forked-dataset").hidden = true;
      byId("fork-status").textContent = "";
    }
    this.datasetId = kind === "dataset" ? datasetId : null;
    if (this.datasetId) this.recall(this.datasetId);
    for (const node of byId("fork-panel").querySelectorAll("[data-what], #try-classify")) {
      node.hidden = !ids.includes(node.id);
    }
    byId("fork-model").textContent = kind === "model" ? t("Fork the model")
      : t("Fork the trained model");
    byId("try-classify").onclick = () => {
      try {
        localStorage.setItem(CLASSIFY_KEY, modelId);
      } catch {
        // not kept: the Classify page opens on its own choice
      }
    };
  }

  async fork(button) {
    this.errors.clear();
    byId("fork-status").textContent = button.dataset.what === "checkpoint"
      ? t("Saving the run's weights as they are now\u2026") : t("Copying\u2026");
    button.setAttribute("aria-busy", "true");
    setFlag("starting", true);
    try {
      const copy = await forkFromRoom(this.code, button.dataset.what);
      if (copy.kind === "dataset") {
        rememberFork(this.code, this.datasetId, copy);
        this.forkedDataset(copy);
        byId("fork-train-dataset").focus();
        setFlag("starting", false);
        return;
      }
      byId("fork-status").textContent = t("Copied: {name}. Opening it\u2026", { name: copy.name });
      window.location.assign(this.destination(copy, button.dataset.to));
    } catch (err) {
      byId("fork-status").textContent = "";
      this.errors.show(err.detail.map((d) => ({ ...d, loc: ["fork"] })));
      setFlag("starting", false);
    } finally {
      button.removeAttribute("aria-busy");
    }
  }

  /** A dataset fork: the links to add pictures to it and to train on it. */
  forkedDataset(copy, recalled = false) {
    const params = { name: copy.name, classes: copy.classes.length };
    byId("fork-status").textContent = recalled
      ? tn("Your fork: {name}, {n} picture in {classes} classes. It is yours: add your own pictures, or train on it.",
        "Your fork: {name}, {n} pictures in {classes} classes. It is yours: add your own pictures, or train on it.",
        copy.total, params)
      : tn("Copied: {name}, {n} picture in {classes} classes. It is yours: add your own pictures, or train on it.",
        "Copied: {name}, {n} pictures in {classes} classes. It is yours: add your own pictures, or train on it.",
        copy.total, params);
    byId("fork-add-pictures").href = copy.datasets_url;
    byId("fork-train-dataset").href = copy.train_url;
    byId("forked-dataset").hidden = false;
  }

  async recall(datasetId) {
    const copy = await recallFork(this.code, datasetId);
    if (copy && this.datasetId === datasetId && byId("forked-dataset").hidden) {
      this.forkedDataset(copy, true);
    }
  }

  destination(copy, to) {
    if (copy.kind !== "network") return copy.train_url;
    handOff(copy.network);
    return to === "training" ? "/training" : `/builder#spec=${encodeSpec(copy.network)}`;
  }
}
