// The webcam: getUserMedia into a <video>; Capture draws the current frame to a canvas and
// encodes it (JPEG). One picture per click (or Enter); holding the button down, or holding
// Space while it has the focus, takes a burst of BURST_FPS pictures a second until let go.
// Pictures are posted in small batches as they come (onPictures(blobs) resolves when stored).

import { t } from "../../i18n.js";

const HOLD_MS = 350; // held this long, a press becomes a burst
const BURST_FPS = 6;
const BATCH = 6;
const MAX_SIDE = 256; // the server scales down to the dataset's size anyway

export class Webcam {
  /** els: {video, start, stop, capture, status}; onPictures(blobs) -> Promise. */
  constructor(els, onPictures) {
    this.els = els;
    this.onPictures = onPictures;
    this.stream = null;
    this.queue = [];
    this.sending = null;
    this.holdTimer = null;
    this.burstTimer = null;
    this.burst = false;
    this.quietUntil = 0;
    this.canvas = document.createElement("canvas");
    els.stop.addEventListener("click", () => this.stop());
    const cap = els.capture;
    cap.addEventListener("click", () => {
      // Not the click that ends a burst, nor the one a Space key-up may still send.
      if (performance.now() > this.quietUntil) this.shoot();
    });
    cap.addEventListener("pointerdown", () => this.press());
    for (const type of ["pointerup", "pointerleave", "pointercancel"]) {
      cap.addEventListener(type, () => this.release());
    }
    cap.addEventListener("keydown", (event) => {
      if (event.key !== " ") return;
      event.preventDefault();
      if (!event.repeat) this.press();
    });
    cap.addEventListener("keyup", (event) => {
      if (event.key !== " ") return;
      event.preventDefault(); // a short press shoots once here, not through a click
      const wasBurst = this.burst;
      this.release();
      if (!wasBurst) this.shoot();
      this.quietUntil = performance.now() + 100;
    });
  }

  get running() {
    return Boolean(this.stream);
  }

  async start() {
    const { video, start, stop, capture, status } = this.els;
    status.textContent = t("Asking for the camera\u2026");
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      status.textContent = "";
      throw new Error(t("This browser offers no camera here (it needs https or localhost)."));
    }
    try {
      this.stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: false });
    } catch (err) {
      status.textContent = "";
      throw new Error(t("The webcam cannot be used: {error}. Allow the camera for this site, or add pictures from files.",
        { error: err.message || err.name }), { cause: err });
    }
    video.srcObject = this.stream;
    video.hidden = false;
    await video.play();
    start.hidden = true;
    stop.hidden = false;
    capture.disabled = false;
    status.textContent = t("The webcam is on.");
  }

  stop() {
    const { video, start, stop, capture, status } = this.els;
    this.release();
    if (this.stream) for (const track of this.stream.getTracks()) track.stop();
    this.stream = null;
    video.srcObject = null;
    video.hidden = true;
    start.hidden = false;
    stop.hidden = true;
    capture.disabled = true;
    status.textContent = t("The webcam is off.");
    start.focus();
  }

  press() {
    if (!this.running) return;
    clearTimeout(this.holdTimer);
    this.holdTimer = setTimeout(() => {
      this.burst = true;
      this.shoot();
      this.burstTimer = setInterval(() => this.shoot(), 1000 / BURST_FPS);
      this.els.status.textContent = t("Burst: taking pictures until you let go\u2026");
    }, HOLD_MS);
  }

  release() {
    clearTimeout(this.holdTimer);
    clearInterval(this.burstTimer);
    this.holdTimer = null;
    this.burstTimer = null;
    if (this.burst) {
      this.burst = false;
      this.quietUntil = performance.now() + 100; // the click that ends a burst: no extra
      this.flush();
    }
  }

  /** One frame, encoded; queued, and sent once a batch is full or the burst ends. */
  shoot() {
    const { video } = this.els;
    if (!this.running || !video.videoWidth) return;
    const scale = Math.min(1, MAX_SIDE / Math.max(video.videoWidth, video.videoHeight));
    this.canvas.width = Math.round(video.videoWidth * scale);
    this.canvas.height = Math.round(video.videoHeight * scale);
    this.canvas.getContext("2d").drawImage(video, 0, 0, this.canvas.width, this.canvas.height);
    const taken = new Promise((resolve) => this.canvas.toBlob(resolve, "image/jpeg", 0.9));
    this.queue.push(taken);
    if (!this.burst || this.queue.length >= BATCH) this.flush();
  }

  /** Send what is queued, one batch after another (never two posts at once). */
  flush() {
    const batch = this.queue.splice(0);
    if (!batch.length) return this.sending;
    const previous = this.sending || Promise.resolve();
    this.sending = previous.then(async () => {
      const stamp = Date.now();
      const blobs = (await Promise.all(batch)).filter(Boolean).map((blob, i) =>
        new File([blob], `webcam-${stamp}-${i}.jpg`, { type: "image/jpeg" }));
      if (blobs.length) await this.onPictures(blobs);
    }).catch(() => {}); // onPictures reports its own errors at the control
    return this.sending;
  }
}
