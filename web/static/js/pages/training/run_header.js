// The run panel's heading and facts: status, device, learning rate, settings, notes, a
// failure's message (prominent) and the saved model.

import { formatNumber, t, tn, tp, tx } from "../../i18n.js";
import { byId, h } from "../../ui/dom.js";
import { noteTexts } from "./notes_text.js";
import { queueReason, queueText } from "./queue_text.js";

const STATUS_TEXT = {
  queued: t("Queued"), running: tp("run status", "Training"), paused: t("Paused"),
  finished: t("Finished"), stopped: t("Stopped"), failed: t("Failed"),
};

function settings(c) {
  if (!c) return "\u2013";
  const values = { optimizer: c.optimizer, batch: String(c.batch_size), epochs: String(c.epochs),
    samples: c.max_train_samples ? t("{n} training images", { n: String(c.max_train_samples) })
      : t("all training images"),
    validation: formatNumber(Math.round(c.validation_split * 100) / 100, { style: "percent" }),
    seed: String(c.seed) };
  const augmented = c.augment && (c.augment.horizontal_flip || c.augment.shift
    || c.augment.rotation || c.augment.scale);
  if (augmented) {
    return tn("{optimizer}, batch {batch}, {n} epoch, {samples}, validation {validation}, seed {seed}, augmented",
      "{optimizer}, batch {batch}, {n} epochs, {samples}, validation {validation}, seed {seed}, augmented",
      c.epochs, values);
  }
  return tn("{optimizer}, batch {batch}, {n} epoch, {samples}, validation {validation}, seed {seed}",
    "{optimizer}, batch {batch}, {n} epochs, {samples}, validation {validation}, seed {seed}",
    c.epochs, values);
}

export function showRun(run) {
  byId("run-heading").textContent = t("Run {id}: {network} on {dataset}", { id: run.id,
    network: tx(run.network), dataset: run.dataset });
  byId("run-intro").hidden = true;
  byId("run-status").textContent = STATUS_TEXT[run.status] || run.status;
  byId("run-status").dataset.status = run.status;
  byId("run-device").textContent = run.device || t("not started yet");
  byId("run-settings").textContent = settings(run.training);
  showModel(run.model_id, run.model_metrics);
  showNotes(run.notes || [], run.note_details);
  showMessage(run.status, run.message);
  showQueue(run.status === "queued" ? run.queue : null);
}

let queueTimer = null;

/**
 * A queued run's place in line and estimated wait ("2nd in line, about 20 s"), with why it
 * waits; the wait counts down between the server's updates. null hides it.
 */
export function showQueue(queue) {
  const node = byId("run-queue");
  clearInterval(queueTimer);
  queueTimer = null;
  node.hidden = !queue;
  if (!queue) return;
  const since = performance.now();
  const paint = () => {
    const text = queueText(queue, (performance.now() - since) / 1000);
    const reason = queueReason(queue);
    node.textContent = reason ? t("{place} ({reason})", { place: text, reason }) : text;
    node.dataset.position = String(queue.position);
  };
  paint();
  if (queue.wait_s) queueTimer = setInterval(paint, 1000);
}

export function showLr(value) {
  if (value !== null && value !== undefined) byId("run-lr").textContent = String(value);
}

export function showModel(modelId, metrics) {
  const dd = byId("run-model");
  if (!modelId) {
    dd.textContent = "\u2013";
    return;
  }
  const known = metrics && metrics.test_accuracy !== undefined && metrics.test_accuracy !== null;
  const accuracy = known ? t("(test accuracy {accuracy})", { accuracy: formatNumber(
    metrics.test_accuracy, { style: "percent", minimumFractionDigits: 1,
      maximumFractionDigits: 1 }) }) : "";
  const test = known ? ` ${accuracy}` : "";
  dd.replaceChildren(h("code", { id: "model-id" }, modelId), test, " ",
    h("a", { id: "classify-link", href: `/classify?model=${encodeURIComponent(modelId)}` },
      t("Classify with it")));
}

export function showNotes(notes, details) {
  const list = byId("run-notes");
  list.hidden = notes.length === 0;
  list.replaceChildren(...noteTexts(notes, details || []).map((n) => h("li", {}, n)));
}

/** A failed run's message stands out; other statuses' messages are plain. */
export function showMessage(status, message) {
  const node = byId("run-message");
  node.hidden = !message;
  node.textContent = status === "failed" ? t("The run failed: {message}", { message: tx(message) })
    : tx(message) || "";
  node.classList.toggle("failed", status === "failed");
}

export function showConnection(text) {
  byId("run-connection").textContent = text;
}

export function showNoRun() {
  byId("run-heading").textContent = t("No run yet");
  byId("run-status").textContent = t("Idle");
  delete byId("run-status").dataset.status;
  byId("run-intro").hidden = false;
  for (const id of ["run-device", "run-lr", "run-settings", "run-model"]) {
    byId(id).textContent = "\u2013";
  }
  showNotes([]);
  showMessage(null, "");
  showConnection("");
}
