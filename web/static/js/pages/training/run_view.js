// One run, live: opens its socket, and routes the snapshot, the events and the binary
// frames to the panels. A reconnect gets a fresh snapshot, which rebuilds everything.
// Only the run's owner gets the controls and the probe picker (body[data-run-owner]);
// others (a room's students) watch: the server refuses their commands anyway (403).

import { getRun } from "../../api.js";
import { t, tx } from "../../i18n.js";
import { RunSocket } from "../../socket.js";
import { decodeBlocks } from "./frames.js";
import * as header from "./run_header.js";
import { setRunStatus } from "./page_state.js";

const FINAL = ["finished", "stopped", "failed"];
const WAITING = t("Waiting for the first snapshot of the network.");
const NO_RUN = t("Start a run (or open one) to see this.");

export class RunView {
  /** panels: {charts, progress, activations, filters, prediction, evaluation, samples,
   * probe, controls}; onStatus(run): after every status change (the runs list refreshes);
   * assumeOwner: whether to offer the controls before the run says whose it is. */
  constructor(panels, onStatus, assumeOwner = true) {
    this.panels = panels;
    this.onStatus = onStatus;
    this.assumeOwner = assumeOwner;
    this.owner = assumeOwner;
    this.socket = null;
    this.run = null;
    this.resetPanels(NO_RUN);
  }

  attach(runId) {
    this.detach();
    this.run = { id: runId, status: null };
    this.setOwner(this.assumeOwner);
    this.resetPanels(WAITING);
    this.panels.replay.open("run", runId);
    header.showConnection(t("Connecting\u2026"));
    this.socket = new RunSocket(runId, {
      onEvent: (event) => this.event(event),
      onFrame: (head, bytes) => this.frame(head, bytes),
      onConnection: (state, detail) => this.connection(state, detail),
    });
  }

  detach() {
    if (this.socket) this.socket.close();
    this.socket = null;
    this.run = null;
    this.panels.replay.reset();
    this.panels.controls.attach(null, null);
    this.panels.probe.setEnabled(false);
    setRunStatus(null);
    delete document.body.dataset.runOwner;
    header.showNoRun();
    this.resetPanels(NO_RUN);
  }

  send(message) {
    return this.socket ? this.socket.send(message) : false;
  }

  resetPanels(text) {
    const p = this.panels;
    p.charts.reset();
    p.progress.reset(null);
    p.activations.reset(text);
    p.filters.reset(text);
    p.prediction.reset(text);
    p.evaluation.reset();
    p.samples.reset();
  }

  connection(state, detail) {
    if (state === "open") header.showConnection(t("Live."));
    else if (state === "reconnecting") {
      header.showConnection(t("Connection lost: reconnecting\u2026"));
    }
    else {
      const msg = detail && detail.detail ? detail.detail.map((d) => d.msg).join("; ")
        : t("this run is not on the server");
      header.showConnection("");
      header.showMessage("failed", t("{problem} (the server may have restarted).",
        { problem: msg }));
      this.setStatus("failed");
    }
  }

  event(e) {
    const handler = {
      snapshot: () => this.snapshot(e), status: () => this.status(e), step: () => this.steps([e]),
      epoch: () => this.epoch(e), lr: () => this.lr(e.learning_rate),
      queue: () => this.queued(e),
      model: () => this.model(e),
      prediction: () => this.prediction(e), samples: () => this.samples(e),
      error: () => this.panels.probe.showError(e.detail
        || [{ loc: ["probe"], msg: tx(e.message) || t("the run refused the request") }]),
    }[e.type];
    if (handler) handler();
    if (e.dropped) {
      header.showConnection(t("Live ({dropped} events were skipped: this page could not keep up).",
        { dropped: e.dropped }));
    }
  }

  snapshot(e) {
    const p = this.panels;
    this.run = { ...e.run };
    if (typeof e.run.yours === "boolean") this.setOwner(e.run.yours);
    else this.lookUpOwner(this.run.id);
    header.showRun(this.run);
    this.panels.replay.source = { kind: "run", id: this.run.id, epochs: this.run.epochs };
    this.panels.replay.refresh();
    this.lr(this.run.metrics.learning_rate ?? this.run.training.learning_rate);
    p.charts.reset();
    p.progress.reset(this.run);
    this.steps(e.steps || []);
    for (const epoch of e.epochs || []) p.charts.addEpoch(epoch);
    const last = (e.epochs || []).slice(-1)[0];
    if (last) p.evaluation.show(last);
    else p.evaluation.reset();
    const latest = e.latest || {};
    if (latest.samples) this.samples(latest.samples);
    if (latest.prediction) this.prediction(latest.prediction);
    this.setStatus(this.run.status);
  }

  queued(e) {
    this.run.queue = { position: e.position, wait_s: e.wait_s, reason: e.reason,
      reason_type: e.reason_type, reason_ctx: e.reason_ctx };
    if (this.run.status === "queued") header.showQueue(this.run.queue);
  }

  status(e) {
    Object.assign(this.run, { status: e.status, message: e.message || "" });
    for (const key of ["step", "epoch", "device", "notes", "note_details"]) {
      if (e[key] !== undefined) this.run[key] = e[key];
    }
    if (FINAL.includes(e.status)) this.run.ended = e.time;
    if (e.status === "running" && !this.run.started) this.run.started = e.time;
    header.showRun(this.run);
    this.panels.progress.setRun(this.run);
    this.setStatus(e.status);
  }

  setStatus(status) {
    this.run.status = status;
    this.panels.controls.attach(this.owner ? this.run.id : null, status);
    this.panels.probe.setEnabled(this.owner && (status === "running" || status === "paused"));
    setRunStatus(status);
    if (FINAL.includes(status)) this.noMoreFrames();
    this.onStatus(this.run);
  }

  setOwner(owner) {
    this.owner = owner;
    document.body.dataset.runOwner = String(owner);
    this.panels.samples.setPickable(owner);
    if (this.run && this.run.status) this.setStatus(this.run.status);
  }

  /** A snapshot without `yours` (an older server): ask GET /api/runs/{id}. */
  async lookUpOwner(runId) {
    try {
      const run = await getRun(runId);
      if (this.run && this.run.id === runId) this.setOwner(run.yours !== false);
    } catch (err) {
      if (this.run && this.run.id === runId && [403, 404].includes(err.status)) {
        this.setOwner(false);
      }
    }
  }

  noMoreFrames() {
    const text = t("This run sent no snapshot of the network.");
    for (const panel of ["activations", "filters", "prediction"]) {
      const waiting = this.panels[panel].waiting;
      if (!waiting.hidden) waiting.textContent = text;
    }
  }

  steps(events) {
    if (!events.length) return;
    const last = events[events.length - 1];
    Object.assign(this.run, { step: last.step, epoch: last.epoch });
    if (last.device && !this.run.device) header.showRun({ ...this.run, device: last.device });
    this.panels.progress.addSteps(events);
    this.panels.charts.addSteps(events);
    this.lr(last.learning_rate);
  }

  epoch(e) {
    this.panels.charts.addEpoch(e);
    this.panels.replay.live.evaluation = e;
    if (!this.panels.replay.replaying) this.panels.evaluation.show(e);
  }

  model(e) {
    Object.assign(this.run, { model_id: e.model_id, model_metrics: e.metrics });
    header.showModel(e.model_id, e.metrics);
  }

  lr(value) {
    header.showLr(value);
    this.panels.controls.showLr(value);
  }

  prediction(e) {
    const { replay } = this.panels;
    replay.live.prediction = e;
    if (e.point !== undefined && e.point !== null) replay.addPoint(e);
    if (!replay.replaying) this.panels.prediction.show(e);
    this.panels.probe.shown(e.probe || {});
  }

  samples(e) {
    this.panels.probe.remember(e.samples || []);
    this.panels.samples.show(e);
  }

  frame(head, bytes) {
    const blocks = decodeBlocks(head, bytes);
    const { replay } = this.panels;
    if (head.point !== undefined && head.point !== null) replay.addPoint(head);
    if (head.type === "activations") replay.live.activations = blocks;
    else if (head.type === "filters") replay.live.filters = { blocks, norms: head.norms };
    if (replay.replaying) return; // the panels show a past point until "Back to live"
    if (head.type === "activations") this.panels.activations.show(blocks);
    else if (head.type === "filters") this.panels.filters.show(blocks, head.norms);
  }
}
