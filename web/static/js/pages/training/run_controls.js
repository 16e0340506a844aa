// Pause / Resume / Step / Stop and the live learning rate (PATCH /api/runs/{id}). Each
// button is enabled only where the server accepts it; the run's events confirm the change.

import { controlRun, setLearningRate } from "../../api.js";
import { byId } from "../../ui/dom.js";
import { FieldErrors } from "../../ui/field_errors.js";

const NEXT_FOCUS = { pause: "resume", resume: "pause", step: "resume" };
const ALLOWED = { // the server's rules (server/training/executor.py)
  pause: ["running"], resume: ["paused"], step: ["paused"],
  stop: ["queued", "running", "paused"], lr: ["queued", "running", "paused"],
};

export class RunControls {
  constructor() {
    this.runId = null;
    this.status = null;
    this.errors = new FieldErrors(byId("run-panel"));
    this.buttons = {
      pause: byId("pause-button"), resume: byId("resume-button"),
      step: byId("step-button"), stop: byId("stop-button"),
    };
    for (const [action, button] of Object.entries(this.buttons)) {
      button.addEventListener("click", () => this.command(action));
    }
    byId("lr-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.changeLr();
    });
  }

  /** The run the buttons act on, and its status (null: none). */
  attach(runId, status) {
    if (runId !== this.runId) this.errors.clear();
    this.runId = runId;
    this.setStatus(status);
  }

  setStatus(status) {
    this.status = status;
    const focused = Object.keys(this.buttons)
      .find((action) => this.buttons[action] === document.activeElement);
    for (const [action, button] of Object.entries(this.buttons)) {
      button.disabled = !(this.runId && ALLOWED[action].includes(status));
    }
    const lr = Boolean(this.runId) && ALLOWED.lr.includes(status);
    byId("live-lr").disabled = !lr;
    byId("lr-apply").disabled = !lr;
    // Pause <-> Resume: a keyboard user stays on the button that undoes what they did.
    const next = focused && this.buttons[focused].disabled && NEXT_FOCUS[focused];
    if (next && !this.buttons[next].disabled) this.buttons[next].focus();
  }

  /** Space in presentation mode: pause a running run, resume a paused one. */
  toggle() {
    const action = { running: "pause", paused: "resume" }[this.status];
    if (!this.runId || !action) return false;
    this.command(action);
    return true;
  }

  /** N in presentation mode: one batch while paused. */
  next() {
    if (!this.runId || this.status !== "paused") return false;
    this.command("step");
    return true;
  }

  /** The learning rate the run uses now (from step and lr events). */
  showLr(value) {
    const input = byId("live-lr");
    if (document.activeElement !== input && value !== undefined && value !== null) {
      input.value = String(value);
    }
  }

  async command(action) {
    if (!this.runId) return;
    this.errors.clear();
    const button = this.buttons[action];
    button.setAttribute("aria-busy", "true");
    try {
      await controlRun(this.runId, action);
    } catch (err) {
      this.errors.show(err.detail.map((d) => ({ ...d, loc: ["run_id"] })));
    } finally {
      button.removeAttribute("aria-busy");
    }
  }

  async changeLr() {
    this.errors.clear();
    const text = byId("live-lr").value.trim();
    const value = text === "" ? null : Number(text);
    try {
      await setLearningRate(this.runId, value);
    } catch (err) {
      this.errors.show(err.detail.map((d) => ({ ...d,
        loc: d.loc && d.loc.includes("learning_rate") ? ["learning_rate"] : ["run_id"] })));
    }
  }
}
