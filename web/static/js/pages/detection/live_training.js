// "Train the detector, live": a yolo-tiny-mnist run through the runs API (POST /api/runs),
// watched over /ws/runs/{id}: test scene 0 with the boxes before and after NMS and each
// cell's objectness, and mAP@0.5 after every epoch as a chart and a table.

import { controlRun, startRun } from "../../api.js";
import { builderSpec, isDetector } from "../../builder_spec.js";
import { lang, t, tn } from "../../i18n.js";
import { RunSocket } from "../../socket.js";
import { byId, h, svg } from "../../ui/dom.js";
import { FieldErrors } from "../../ui/field_errors.js";
import { begin, end } from "../../ui/status.js";
import { boxText } from "./draw_pad.js";
import { fixed } from "./nms_steps.js";
import { SceneCanvas, colourOf, objectName } from "./scene_canvas.js";

const LENGTHS = {
  quick: { epochs: 4, max_train_samples: 2000, batch_size: 32 },
  full: { epochs: 10, max_train_samples: 6000, batch_size: 64 },
};
const FINAL = ["finished", "stopped", "failed"];

/** network: "preset" (made to fit your dataset by the server), or a spec (the Builder's
 * detector); dataset: mnist-detect or the id of a detection dataset of yours. */
export function trainingBody(length, network = "preset", dataset = "mnist-detect") {
  return {
    network: network === "preset" ? { preset: "yolo-tiny-mnist" } : network,
    dataset,
    training: { ...LENGTHS[length], learning_rate: 0.003, optimizer: "adam" },
  };
}

/** An error in a preset fitted to your dataset (ctx.preset_size): the network check's
 * message, translated by its type, keeps "the preset, made to take 8x8 pictures:" before it
 * (as training.js withPreset does for classification runs). */
export function withPreset(item) {
  const size = item.ctx && item.ctx.preset_size;
  if (!size || item.english === undefined || item.english === item.msg) return item;
  return { ...item, msg: t("the preset, made to take {size} pictures: {problem}",
    { size, problem: item.msg }) };
}

/** "Finished: mAP@0.5 0.412 on the held-out scenes" (without a period: a message may follow). */
function outcomeText(status, map) {
  if (status === "finished") {
    return map ? t("Finished: mAP@0.5 {map} on the held-out scenes", { map }) : t("Finished");
  }
  if (status === "stopped") {
    return map ? t("Stopped: mAP@0.5 {map} on the held-out scenes", { map }) : t("Stopped");
  }
  return map ? t("Failed: mAP@0.5 {map} on the held-out scenes", { map }) : t("Failed");
}

export class LiveTraining {
  /** onModel(modelId): a run saved its detector (the drawing pad offers it). */
  /** onNms(scene, picture): step NMS through the detector's own boxes on the probe. */
  constructor(onModel, onNms) {
    this.onModel = onModel;
    byId("train-nms").addEventListener("click", () => {
      if (!this.latest) return;
      onNms({ ...this.scene, proposals: this.latest.raw }, this.picture);
    });
    this.view = new SceneCanvas(byId("train-canvas"));
    this.errors = new FieldErrors(byId("train-form"));
    this.scene = null;
    this.picture = null;
    this.latest = null;
    this.socket = null;
    this.runId = null;
    byId("train-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.start();
    });
    byId("train-stop").addEventListener("click", () => this.stop());
    this.builder = builderSpec();
    if (isDetector(this.builder)) {
      byId("train-network").append(h("option", { value: "builder" },
        tn("Your Builder network ({n} layer)", "Your Builder network ({n} layers)",
          this.builder.layers.length)));
    }
    byId("train-objectness").addEventListener("change", () => this.draw());
  }

  /** The probe scene (held-out scene 0 of `dataset`) and its decoded picture; kept while
   * a run on another dataset is shown. */
  setScene(scene, picture, dataset = "mnist-detect") {
    if (this.live && this.dataset !== dataset) return;
    this.scene = scene;
    this.picture = picture;
    this.dataset = dataset;
    this.latest = null;
    byId("train-nms").disabled = true;
    this.draw();
  }

  async start() {
    this.errors.clear();
    begin("train");
    try {
      const choice = byId("train-network").value;
      const run = await startRun(trainingBody(byId("train-length").value,
        choice === "builder" ? this.builder : "preset", this.dataset));
      this.watch(run.id);
      end("train");
    } catch (err) {
      const at = (d) => ({ ...withPreset(d),
        loc: [d.loc && d.loc[0] === "network" ? "network" : "training"] });
      if (!this.errors.show((err.detail || []).map(at))) {
        this.status(t("Could not start: {error}", { error: err.message }));
      }
      end("train", false);
    }
  }

  watch(runId) {
    if (this.socket) this.socket.close();
    this.runId = runId;
    this.live = true;
    this.latest = null;
    byId("map-body").replaceChildren();
    byId("train-canvas").dataset.run = runId;
    byId("train-start").disabled = true;
    byId("train-stop").disabled = false;
    this.status(t("Queued: waiting for a worker."));
    this.socket = new RunSocket(runId, {
      onEvent: (event) => this.received(event),
      onFrame: () => {},
      onConnection: (state) => {
        if (state === "reconnecting") this.status(t("Connection lost: reconnecting."));
      },
    });
  }

  async stop() {
    if (!this.runId) return;
    byId("train-stop").disabled = true;
    try {
      await controlRun(this.runId, "stop");
    } catch (err) {
      this.status(t("Could not stop: {error}", { error: err.message }));
    }
  }

  received(event) {
    if (event.type === "snapshot") {
      byId("map-body").replaceChildren();
      event.epochs.forEach((e) => this.epoch(e));
      if (event.latest.detections) this.detections(event.latest.detections);
      this.progress(event.run);
      if (FINAL.includes(event.run.status)) this.finished(event.run.status, event.run.message);
    } else if (event.type === "step") {
      this.progress({ status: "running", ...event });
    } else if (event.type === "epoch") {
      this.epoch(event);
    } else if (event.type === "detections") {
      this.detections(event);
    } else if (event.type === "model") {
      this.onModel(event.model_id);
    } else if (event.type === "status" && FINAL.includes(event.status)) {
      this.finished(event.status, event.message);
    }
  }

  progress(run) {
    const total = LENGTHS[byId("train-length").value].epochs;
    const steps = run.steps_per_epoch || 1;
    const done = run.epoch_step !== undefined ? (run.epoch - 1 + run.epoch_step / steps) / total : 0;
    byId("train-progress").value = Math.min(Math.max(done, 0), 1);
    if (run.loss !== undefined) {
      this.status(t("Epoch {epoch} of {total}, step {step} of {steps}: loss {loss}, {rate} scenes/s.", {
        epoch: run.epoch, total, step: run.epoch_step, steps, loss: fixed(run.loss, 3),
        rate: Math.round(run.samples_per_s) }));
    }
  }

  epoch(event) {
    const weakest = event.ap_per_class.map((ap, c) => [ap, c]).filter(([ap]) => ap !== null)
      .sort((a, b) => a[0] - b[0])[0];
    byId("map-body").append(h("tr", { "data-epoch": String(event.epoch),
      "data-map": event.map50.toFixed(3) },
    h("td", {}, String(event.epoch)), h("td", {}, fixed(event.map50, 3)),
    h("td", {}, weakest ? `${event.classes[weakest[1]]}: ${fixed(weakest[0], 2)}` : "-")));
    this.chart();
  }

  chart() {
    const values = [...byId("map-body").children].map((row) => Number(row.dataset.map));
    const chart = byId("map-chart");
    const x = (i) => 30 + (i * 260) / Math.max(values.length - 1, 1);
    const y = (v) => 130 - v * 120;
    const parts = [svg("line", { x1: 30, y1: 130, x2: 290, y2: 130, class: "axis" }),
      svg("line", { x1: 30, y1: 10, x2: 30, y2: 130, class: "axis" })];
    for (const v of [0, 0.5, 1]) {
      parts.push(svg("text", { x: 4, y: y(v) + 4, class: "tick" }, fixed(v, 1)),
        svg("line", { x1: 30, y1: y(v), x2: 290, y2: y(v), class: "grid" }));
    }
    parts.push(svg("polyline", { class: "map-line",
      points: values.map((v, i) => `${x(i)},${y(v)}`).join(" ") }));
    values.forEach((v, i) => parts.push(svg("circle", { cx: x(i), cy: y(v), r: 3.5,
      class: "map-dot" })));
    chart.replaceChildren(...parts);
    const list = values.map((v) => fixed(v, 2)).join(lang === "en" ? ", " : "; ");
    const none = t("none yet");
    chart.setAttribute("aria-label", t("mAP@0.5 after each epoch: {values}",
      { values: list || none }));
  }

  detections(event) {
    this.latest = event;
    byId("train-nms").disabled = !event.raw.boxes.length;
    byId("train-canvas").dataset.kept = String(event.kept.boxes.length);
    byId("train-boxes").replaceChildren(...event.kept.boxes.map((box, i) => h("li", {},
      h("span", { class: "swatch", style: `background:${colourOf(event.kept.classes[i])}` }),
      boxText(objectName(event.classes[event.kept.classes[i]]), event.kept.scores[i], box))));
    this.draw();
  }

  draw() {
    if (!this.scene || !this.picture) return;
    const { view, scene, latest } = this;
    view.picture(this.picture, scene.size);
    view.lines(scene.grid.cells);
    if (!latest) return;
    if (byId("train-objectness").checked) this.objectness(latest.objectness);
    latest.raw.boxes.forEach((box, i) => view.box(box, colourOf(latest.raw.classes[i]),
      { dashed: true, width: 1 }));
    latest.kept.boxes.forEach((box, i) => view.box(box, colourOf(latest.kept.classes[i]), {
      width: 3, label: `${latest.classes[latest.kept.classes[i]]} `
        + `${fixed(latest.kept.scores[i], 2)}` }));
  }

  objectness(map) {
    const { ctx, canvas } = this.view;
    const step = canvas.width / map.length;
    ctx.save();
    map.forEach((row, r) => row.forEach((p, c) => {
      ctx.fillStyle = `rgba(86, 180, 233, ${(0.6 * p).toFixed(3)})`;
      ctx.fillRect(c * step, r * step, step, step);
    }));
    ctx.restore();
  }

  finished(status, message) {
    this.live = false;
    byId("train-start").disabled = false;
    byId("train-stop").disabled = true;
    byId("train-canvas").dataset.status = status;
    if (status === "finished") byId("train-progress").value = 1;
    const rows = byId("map-body").children;
    const map = rows.length ? rows[rows.length - 1].children[1].textContent : null;
    this.status(`${outcomeText(status, map)}${message ? ` (${message})` : ""}.`);
  }

  status(text) {
    byId("train-status").textContent = text;
  }
}
