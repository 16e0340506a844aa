// The drawing pad: black strokes on a white canvas, like pen on paper (the server inverts
// and centres the drawing for MNIST-like models). Pointer events, so the mouse, a pen and
// a finger all draw (the canvas has touch-action: none, so a finger does not scroll).
// onStart() fires when a stroke begins, onStroke() when it ends, onClear() when the Clear
// button empties the pad.

import { t } from "../../i18n.js";

const INK = "#000000";
const PAPER = "#ffffff";

export class DrawPad {
  constructor(canvas, clearButton, { onStart, onStroke, onClear }) {
    this.canvas = canvas;
    this.onStart = onStart;
    this.context = canvas.getContext("2d");
    this.onStroke = onStroke;
    this.onClear = onClear;
    this.pointer = null; // the pointer drawing now
    this.last = null;
    this.strokes = 0;
    this.clear();
    canvas.addEventListener("pointerdown", (event) => this.down(event));
    canvas.addEventListener("pointermove", (event) => this.move(event));
    for (const type of ["pointerup", "pointercancel", "lostpointercapture"]) {
      canvas.addEventListener(type, (event) => this.up(event));
    }
    clearButton.addEventListener("click", () => {
      this.clear();
      this.onClear();
    });
  }

  get isBlank() {
    return this.strokes === 0;
  }

  clear() {
    const { context, canvas } = this;
    context.fillStyle = PAPER;
    context.fillRect(0, 0, canvas.width, canvas.height);
    this.strokes = 0;
    this.canvas.dataset.strokes = "0";
  }

  /** The pointer's position in canvas pixels (the canvas is scaled by CSS). */
  point(event) {
    const rect = this.canvas.getBoundingClientRect();
    return {
      x: ((event.clientX - rect.left) * this.canvas.width) / rect.width,
      y: ((event.clientY - rect.top) * this.canvas.height) / rect.height,
    };
  }

  get lineWidth() {
    return Math.max(2, Math.round(this.canvas.width / 14));
  }

  down(event) {
    if (this.pointer !== null || (event.pointerType === "mouse" && event.button !== 0)) return;
    event.preventDefault();
    this.pointer = event.pointerId;
    try {
      this.canvas.setPointerCapture(event.pointerId);
    } catch {
      // a synthetic pointer cannot be captured; drawing works without it
    }
    this.last = this.point(event);
    this.segment(this.last, this.last); // a tap leaves a dot
    this.onStart();
  }

  move(event) {
    if (event.pointerId !== this.pointer) return;
    event.preventDefault();
    const events = typeof event.getCoalescedEvents === "function"
      ? event.getCoalescedEvents() : [];
    for (const e of events.length ? events : [event]) {
      const p = this.point(e);
      this.segment(this.last, p);
      this.last = p;
    }
  }

  up(event) {
    if (event.pointerId !== this.pointer) return;
    this.pointer = null;
    this.last = null;
    this.strokes += 1;
    this.canvas.dataset.strokes = String(this.strokes);
    this.onStroke();
  }

  segment(from, to) {
    const c = this.context;
    c.strokeStyle = INK;
    c.lineWidth = this.lineWidth;
    c.lineCap = "round";
    c.lineJoin = "round";
    c.beginPath();
    c.moveTo(from.x, from.y);
    c.lineTo(to.x, to.y);
    c.stroke();
  }

  /** The drawing as a PNG Blob. */
  toBlob() {
    return new Promise((resolve, reject) => {
      this.canvas.toBlob((blob) => (blob ? resolve(blob)
        : reject(new Error(t("the drawing could not be encoded")))), "image/png");
    });
  }
}
