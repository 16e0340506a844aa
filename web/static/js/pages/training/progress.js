// The progress bar and its line: epoch, step, samples per second and the time left.

import { t } from "../../i18n.js";
import { byId } from "../../ui/dom.js";

const RATE_WINDOW = 12; // recent step events that set the pace

function duration(seconds) {
  if (!Number.isFinite(seconds) || seconds < 0) return "\u2013";
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export class Progress {
  constructor() {
    this.bar = byId("run-progress");
    this.text = byId("progress-text");
    this.reset(null);
  }

  /** run: GET /api/runs/{id} (null: no run). */
  reset(run) {
    this.run = run;
    this.recent = [];
    this.stepsPerEpoch = null;
    this.last = null;
    this.render();
  }

  setRun(run) {
    this.run = run;
    this.render();
  }

  addSteps(events) {
    for (const e of events) {
      this.recent.push(e);
      this.last = e;
      this.stepsPerEpoch = e.steps_per_epoch || this.stepsPerEpoch;
    }
    this.recent = this.recent.slice(-RATE_WINDOW);
    this.render();
  }

  /** Seconds per step over the recent events (server clock), else from samples/s. */
  secondsPerStep() {
    const [first, last] = [this.recent[0], this.recent[this.recent.length - 1]];
    if (first && last && last.step > first.step && last.time > first.time) {
      return (last.time - first.time) / (last.step - first.step);
    }
    const batch = this.run && this.run.training ? this.run.training.batch_size : null;
    return last && batch && last.samples_per_s ? batch / last.samples_per_s : NaN;
  }

  render() {
    const run = this.run;
    if (!run) {
      this.bar.value = 0;
      this.text.textContent = "\u2013";
      return;
    }
    const total = this.stepsPerEpoch ? this.stepsPerEpoch * run.epochs : null;
    const step = Math.max(this.last ? this.last.step : 0, run.step || 0); // status has it too
    const done = run.status === "finished";
    this.bar.value = done ? 1 : total ? Math.min(step / total, 1) : 0;
    this.bar.setAttribute("aria-valuetext", `${Math.round(this.bar.value * 100)}%`);
    this.text.textContent = this.describe(run, step, total);
  }

  describe(run, step, total) {
    const epoch = Math.max(this.last ? this.last.epoch : run.epoch, run.epoch);
    const parts = [t("Epoch {epoch} of {epochs}", { epoch: String(epoch),
      epochs: String(run.epochs) }), total
      ? t("step {step} of {total}", { step: String(step), total: String(total) })
      : t("step {step}", { step: String(step) })];
    if (this.last && this.last.epoch_step) {
      parts.push(t("batch {batch} of {total} this epoch", { batch: String(this.last.epoch_step),
        total: String(this.last.steps_per_epoch) }));
    }
    if (this.last && this.last.samples_per_s) {
      parts.push(t("{rate} samples/s", { rate: Math.round(this.last.samples_per_s) }));
    }
    parts.push(this.eta(run, step, total));
    return parts.join(" \u00b7 ");
  }

  eta(run, step, total) {
    if (run.status === "paused") return t("paused");
    if (["finished", "stopped", "failed"].includes(run.status)) {
      const took = run.ended && run.started ? run.ended - run.started : NaN;
      const time = duration(took);
      if (run.status === "finished") return t("finished after {time}", { time });
      if (run.status === "stopped") return t("stopped after {time}", { time });
      return t("failed after {time}", { time });
    }
    if (!total) return t("time left: \u2013");
    return t("about {time} left", { time: duration((total - step) * this.secondsPerStep()) });
  }
}
