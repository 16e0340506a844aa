// Replay: a slider over the points a run kept (GET /api/runs/{id}/history, or a stored
// model's: GET /api/models/{id}/history), scrubbing the activations, filters, softmax and
// evaluation panels back to that point; "Back to live" returns them to the run's latest
// frames. Any point can be forked into a model of your own (a live run's too).

import { getJson, postJson } from "../../api.js";
import { t, tn } from "../../i18n.js";
import { byId } from "../../ui/dom.js";
import { begin, end } from "../../ui/status.js";
import { decodeBlocks } from "./frames.js";

/** The bytes of a base64 string. */
export function fromBase64(text) {
  const raw = atob(text);
  const out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i += 1) out[i] = raw.charCodeAt(i);
  return out;
}

/** "Step 48 (epoch 3 of 5, after 2 epochs)"-style words for a point. */
export function pointWords(point, epochs) {
  const done = point.epochs_done;
  const values = { step: String(point.step), epoch: String(point.epoch),
    epochs: String(epochs) };
  if (!done) {
    return epochs ? t("Step {step} (epoch {epoch} of {epochs}, before the first evaluation)", values)
      : t("Step {step} (epoch {epoch}, before the first evaluation)", values);
  }
  return epochs ? tn("Step {step} (epoch {epoch} of {epochs}, {n} epoch done)",
    "Step {step} (epoch {epoch} of {epochs}, {n} epochs done)", done, values)
    : tn("Step {step} (epoch {epoch}, {n} epoch done)", "Step {step} (epoch {epoch}, {n} epochs done)",
      done, values);
}

export class ReplayPanel {
  /** panels: the run panels it draws into (activations, filters, prediction, evaluation). */
  constructor(panels) {
    this.panels = panels;
    this.slider = byId("replay-slider");
    this.reset();
    this.slider.addEventListener("input", () => this.show(Number(this.slider.value)));
    byId("replay-live").addEventListener("click", () => this.backToLive());
    byId("replay-fork").addEventListener("click", () => this.fork());
  }

  reset() {
    this.source = null; // {kind: "run" | "model", id, epochs}
    this.points = [];
    this.cache = new Map();
    this.replaying = false;
    this.live = {};
    this.update();
    byId("replay-status").textContent = "";
  }

  /** A run (live or finished) or a stored model to replay. */
  async open(kind, id, epochs = null) {
    this.reset();
    this.source = { kind, id, epochs };
    await this.refresh();
  }

  async refresh() {
    if (!this.source) return;
    const { kind, id } = this.source;
    try {
      const answer = await getJson(`/api/${kind}s/${encodeURIComponent(id)}/history`);
      if (!this.source || this.source.id !== id) return;
      this.points = answer.points;
      this.update();
    } catch (err) {
      if (kind === "model") byId("replay-status").textContent = err.message;
    }
  }

  /** A point streamed live (its frames carry `point`). */
  addPoint(head) {
    if (this.points.some((p) => p.point === head.point)) return;
    this.points.push({ point: head.point, step: head.step, epoch: head.epoch,
      epochs_done: head.epochs_done });
    this.points.sort((a, b) => a.point - b.point);
    this.update();
  }

  update() {
    const count = this.points.length;
    this.slider.max = String(Math.max(count - 1, 0));
    this.slider.disabled = count === 0;
    if (!this.replaying) this.slider.value = this.slider.max;
    byId("replay-live").disabled = !this.replaying || (this.source && this.source.kind === "model");
    byId("replay-fork").disabled = !this.replaying;
    byId("replay-count").textContent = count ? tn("{n} point kept.", "{n} points kept.", count)
      : t("No points kept yet: the first comes after the first training step.");
    this.slider.setAttribute("aria-valuetext", this.replaying
      ? pointWords(this.points[Number(this.slider.value)], this.source && this.source.epochs)
      : t("live"));
  }

  async show(index) {
    const point = this.points[index];
    if (!point || !this.source) return;
    this.replaying = true;
    this.update();
    begin("replay");
    try {
      const { kind, id } = this.source;
      const key = `${kind}:${id}:${point.point}`;
      if (!this.cache.has(key)) {
        this.cache.set(key, await getJson(`/api/${kind}s/${encodeURIComponent(id)}/history/`
          + `${point.point}`));
      }
      if (Number(this.slider.value) !== index) return; // moved on meanwhile
      this.draw(this.cache.get(key));
      byId("replay-at").textContent = pointWords(point, this.source.epochs);
      byId("replay-panel").dataset.point = String(point.point);
      end("replay");
    } catch (err) {
      byId("replay-status").textContent = t("That point could not be shown: {error}",
        { error: err.message });
      end("replay", false);
    }
  }

  draw(answer) {
    const p = this.panels;
    p.activations.show(decodeBlocks(answer.activations, fromBase64(answer.activations.data)));
    p.filters.show(decodeBlocks(answer.filters, fromBase64(answer.filters.data)),
      answer.filters.norms);
    p.prediction.show(answer.prediction);
    if (answer.evaluation) p.evaluation.show(answer.evaluation);
    else p.evaluation.reset();
  }

  /** The run's latest frames again (kept by the run view while replaying). */
  backToLive() {
    this.replaying = false;
    const { activations, filters, prediction, evaluation } = this.live;
    if (activations) this.panels.activations.show(activations);
    if (filters) this.panels.filters.show(filters.blocks, filters.norms);
    if (prediction) this.panels.prediction.show(prediction);
    if (evaluation) this.panels.evaluation.show(evaluation);
    byId("replay-at").textContent = t("Live");
    delete byId("replay-panel").dataset.point;
    this.update();
  }

  async fork() {
    const point = this.points[Number(this.slider.value)];
    if (!point || !this.source) return;
    begin("replay-fork");
    try {
      const { kind, id } = this.source;
      const made = await postJson(`/api/${kind}s/${encodeURIComponent(id)}/history/`
        + `${point.point}/fork`, {});
      const status = byId("replay-status");
      status.replaceChildren(t("Forked as {name}.", { name: made.name }), " ");
      const link = document.createElement("a");
      link.href = `/training#from=${encodeURIComponent(made.model_id)}`;
      link.textContent = t("Train on from it");
      status.append(link, ".");
      end("replay-fork");
    } catch (err) {
      byId("replay-status").textContent = t("Could not fork: {error}", { error: err.message });
      end("replay-fork", false);
    }
  }
}
