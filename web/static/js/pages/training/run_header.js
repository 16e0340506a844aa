// The run panel's heading and facts: status, device, learning rate, settings, notes, a
// failure's message (prominent) and the saved model.

import { byId, h } from "../../ui/dom.js";
import { queueText } from "./queue_text.js";

const STATUS_TEXT = {
  queued: "Queued", running: "Training", paused: "Paused",
  finished: "Finished", stopped: "Stopped", failed: "Failed",
};

function settings(t) {
  if (!t) return "\u2013";
  const samples = t.max_train_samples ? `${t.max_train_samples} training images`
    : "all training images";
  const augment = t.augment && (t.augment.horizontal_flip || t.augment.shift
    || t.augment.rotation || t.augment.scale) ? ", augmented" : "";
  return `${t.optimizer}, batch ${t.batch_size}, ${t.epochs} epoch${t.epochs === 1 ? "" : "s"}, `
    + `${samples}, validation ${Math.round(t.validation_split * 100)}%, seed ${t.seed}${augment}`;
}

export function showRun(run) {
  byId("run-heading").textContent = `Run ${run.id}: ${run.network} on ${run.dataset}`;
  byId("run-intro").hidden = true;
  byId("run-status").textContent = STATUS_TEXT[run.status] || run.status;
  byId("run-status").dataset.status = run.status;
  byId("run-device").textContent = run.device || "not started yet";
  byId("run-settings").textContent = settings(run.training);
  showModel(run.model_id, run.model_metrics);
  showNotes(run.notes || []);
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
    node.textContent = queue.reason ? `${text} (${queue.reason})` : text;
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
  const test = metrics && metrics.test_accuracy !== undefined && metrics.test_accuracy !== null
    ? ` (test accuracy ${(metrics.test_accuracy * 100).toFixed(1)}%)` : "";
  dd.replaceChildren(h("code", { id: "model-id" }, modelId), test, " ",
    h("a", { id: "classify-link", href: `/classify?model=${encodeURIComponent(modelId)}` },
      "Classify with it"));
}

export function showNotes(notes) {
  const list = byId("run-notes");
  list.hidden = notes.length === 0;
  list.replaceChildren(...notes.map((n) => h("li", {}, n)));
}

/** A failed run's message stands out; other statuses' messages are plain. */
export function showMessage(status, message) {
  const node = byId("run-message");
  node.hidden = !message;
  node.textContent = status === "failed" ? `The run failed: ${message}` : message || "";
  node.classList.toggle("failed", status === "failed");
}

export function showConnection(text) {
  byId("run-connection").textContent = text;
}

export function showNoRun() {
  byId("run-heading").textContent = "No run yet";
  byId("run-status").textContent = "Idle";
  delete byId("run-status").dataset.status;
  byId("run-intro").hidden = false;
  for (const id of ["run-device", "run-lr", "run-settings", "run-model"]) {
    byId(id).textContent = "\u2013";
  }
  showNotes([]);
  showMessage(null, "");
  showConnection("");
}
