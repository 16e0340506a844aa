// "Use the webcam" on the Classify page: getUserMedia into a <video>; each frame is drawn
// scaled to a canvas and its raw RGBA (getImageData: no encoding here, no decoding on the
// server, lossless) goes over /ws/classify. At most IN_FLIGHT frames are unanswered at a
// time; the server classifies the newest waiting one, so answers never lag behind. The
// frame rate shown is the answers received per second over the last FPS_WINDOW_MS.

import { formatNumber, t } from "../../i18n.js";
import { ClassifySocket } from "../../socket.js";

const IN_FLIGHT = 2;
const FPS_WINDOW_MS = 2000;
const PUMP_MS = 20; // how often a frame is offered when answers are not driving the loop
const SIDE = { min: 160, max: 320 }; // the long side sent: twice the model's, within these

const CAMERA_ERRORS = {
  NotAllowedError: () => t("The camera was blocked: allow it for this site (the camera icon in the address bar), then press Start the webcam again."),
  SecurityError: () => t("The camera was blocked: allow it for this site, then press Start the webcam again."),
  NotFoundError: () => t("No camera was found: connect one, then press Start the webcam again."),
  OverconstrainedError: () => t("No camera was found: connect one, then press Start the webcam again."),
  NotReadableError: () => t("The camera is in use by another program: close it, then press Start the webcam again."),
};

export class LiveWebcam {
  /** els: {toggle, video, status, fps}; hooks: model() -> the chosen model or null,
   * topK(), onClear() (errors shown go), onStart(), onResult(answer), onError(detail, status), onStop(). */
  constructor(els, hooks) {
    this.els = els;
    this.hooks = hooks;
    this.stream = null;
    this.socket = null;
    this.canvas = document.createElement("canvas");
    this.context = this.canvas.getContext("2d", { willReadFrequently: true });
    this.nextId = 1;
    this.unanswered = [];
    this.answers = [];
    this.timer = null;
    this.starting = false;
    els.toggle.addEventListener("click", () => {
      if (this.starting) return;
      if (this.running) this.stop();
      else this.start();
    });
  }

  get running() {
    return Boolean(this.stream);
  }

  async start() {
    const { toggle, video, status } = this.els;
    this.hooks.onClear();
    if (!this.hooks.model()) {
      this.hooks.onError([{ loc: ["webcam"], msg: t("Choose a model first (1. Choose a model).") }]);
      return;
    }
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      this.hooks.onError([{ loc: ["webcam"],
        msg: t("This browser offers no camera here (it needs https or localhost).") }]);
      return;
    }
    status.textContent = t("Asking for the camera\u2026");
    this.starting = true;
    try {
      this.stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: false });
    } catch (err) {
      status.textContent = "";
      const msg = CAMERA_ERRORS[err.name] ? CAMERA_ERRORS[err.name]()
        : t("The webcam cannot be used: {error}.", { error: err.message || err.name });
      this.hooks.onError([{ loc: ["webcam"], msg }]);
      return;
    } finally {
      this.starting = false;
    }
    this.hooks.onStart();
    video.srcObject = this.stream;
    video.hidden = false;
    await video.play();
    toggle.textContent = t("Stop the webcam");
    this.answers = [];
    this.showRate(null);
    status.textContent = t("Connecting\u2026");
    this.socket = new ClassifySocket({
      onConnection: (state) => this.connection(state),
      onResult: (answer) => this.result(answer),
      onError: (message) => this.failed(message),
    });
    this.timer = window.setInterval(() => this.pump(), PUMP_MS);
  }

  /** Release the camera and close the socket. */
  stop(text = t("The webcam is off.")) {
    const { toggle, video, status } = this.els;
    window.clearInterval(this.timer);
    this.timer = null;
    if (this.socket) this.socket.close();
    this.socket = null;
    if (this.stream) for (const track of this.stream.getTracks()) track.stop();
    const was = this.running;
    this.stream = null;
    video.srcObject = null;
    video.hidden = true;
    toggle.textContent = t("Start the webcam");
    status.textContent = text;
    this.unanswered = [];
    if (was) this.hooks.onStop();
  }

  connection(state) {
    this.unanswered = []; // whatever was in flight is gone with the connection
    this.els.status.textContent = state === "open" ? t("Classifying the webcam live.")
      : t("The connection was lost: reconnecting\u2026");
    if (state === "open") this.pump();
  }

  /** Send the current video frame if fewer than IN_FLIGHT are unanswered. */
  pump() {
    const { video } = this.els;
    const model = this.hooks.model();
    if (!this.socket || !this.socket.open || !model || !video.videoWidth) return;
    if (this.unanswered.length >= IN_FLIGHT) return;
    const shape = model.input_shape || [];
    const side = Math.min(SIDE.max, Math.max(SIDE.min, 2 * Math.max(shape[1] || 0,
      shape[2] || 0)));
    const scale = Math.min(1, side / Math.max(video.videoWidth, video.videoHeight));
    const width = Math.max(1, Math.round(video.videoWidth * scale));
    const height = Math.max(1, Math.round(video.videoHeight * scale));
    this.canvas.width = width;
    this.canvas.height = height;
    this.context.drawImage(video, 0, 0, width, height);
    const pixels = this.context.getImageData(0, 0, width, height).data;
    const id = this.nextId;
    this.nextId += 1;
    const header = { id, model_id: model.id, format: "rgba", width, height,
      top_k: this.hooks.topK(), explain: true };
    if (this.socket.sendFrame(header, pixels.buffer)) this.unanswered.push(id);
  }

  /** Frames up to `id` are answered or were skipped in its favour. */
  settle(id) {
    this.unanswered = this.unanswered.filter((sent) => sent > id);
  }

  result(answer) {
    this.settle(answer.id);
    const now = performance.now();
    this.answers.push(now);
    while (this.answers.length && this.answers[0] < now - FPS_WINDOW_MS) this.answers.shift();
    this.showRate(answer);
    this.hooks.onResult(answer);
    this.pump();
  }

  showRate(answer) {
    const { fps } = this.els;
    const times = this.answers;
    const span = times.length > 1 ? (times[times.length - 1] - times[0]) / 1000 : 0;
    const rate = span > 0 ? (times.length - 1) / span : 0;
    fps.dataset.fps = rate.toFixed(2);
    if (!answer) {
      fps.textContent = "";
      return;
    }
    const { stats } = answer;
    fps.textContent = t("{rate} frames/s; the server took {ms} ms for this frame; {answered} classified, {skipped} skipped for newer ones", {
      rate: formatNumber(rate, { minimumFractionDigits: 1, maximumFractionDigits: 1 }),
      ms: Math.round(answer.time_ms), answered: stats.answered, skipped: stats.skipped });
  }

  failed(message) {
    if (typeof message.id === "number") this.settle(message.id);
    this.stop(t("Stopped: see the error."));
    this.hooks.onError(message.detail, message.status);
  }
}
