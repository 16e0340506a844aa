// "Draw several digits, or bring a photo": a black pad to draw on (pointer: mouse, pen,
// touch), to fill with a test scene (keyboard) or with a photo fitted in (a file), sent to
// POST /api/models/{id}/detect; the boxes it answers are drawn over it and listed as text.

import { listModels, request } from "../../api.js";
import { getScene } from "../../api_detection.js";
import { formatNumber, t, tn } from "../../i18n.js";
import { byId, h } from "../../ui/dom.js";
import { FieldErrors } from "../../ui/field_errors.js";
import { begin, end } from "../../ui/status.js";
import { fixed } from "./nms_steps.js";
import { SceneCanvas, colourOf, loadPicture, objectName } from "./scene_canvas.js";

const STROKE = 15; // pixels of the 288-pixel pad: about 5 of the detector's 96

export async function detect(modelId, blob, scoreThreshold) {
  const form = new FormData();
  form.append("file", blob, "drawing.png");
  const url = `/api/models/${encodeURIComponent(modelId)}/detect?score_threshold=${scoreThreshold}`;
  return (await request(url, { method: "POST", body: form })).json();
}

/** "Digit 3, score 0.91: x 12, y 40, w 30, h 31" (a found box, in pixels). */
export function boxText(name, score, box) {
  const [x, y, w, high] = box.map((v) => String(Math.round(v)));
  return t("{name}, score {score}: x {x}, y {y}, w {w}, h {h}", { name, score: fixed(score, 2),
    x, y, w, h: high });
}

export class DrawPad {
  constructor() {
    this.canvas = byId("draw-canvas");
    this.ctx = this.canvas.getContext("2d");
    this.view = new SceneCanvas(this.canvas);
    this.ink = document.createElement("canvas");
    this.ink.width = this.canvas.width;
    this.ink.height = this.canvas.height;
    this.errors = new FieldErrors(byId("draw-form"));
    this.found = [];
    this.last = null;
    this.clear();
    this.canvas.addEventListener("pointerdown", (event) => {
      event.preventDefault();
      this.canvas.setPointerCapture(event.pointerId);
      this.last = this.point(event);
      this.stroke(this.last, this.last);
    });
    this.canvas.addEventListener("pointermove", (event) => {
      if (!this.last) return;
      const next = this.point(event);
      this.stroke(this.last, next);
      this.last = next;
    });
    for (const name of ["pointerup", "pointercancel"]) {
      this.canvas.addEventListener(name, () => { this.last = null; });
    }
    byId("draw-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.find();
    });
    byId("draw-clear").addEventListener("click", () => this.clear());
    byId("draw-scene").addEventListener("click", () => this.putScene());
    byId("draw-photo").addEventListener("change", () => this.putPhoto());
    byId("draw-score").addEventListener("input", () => {
      byId("draw-score-value").textContent = formatNumber(Number(byId("draw-score").value));
    });
  }

  /** Fill the detector list (yours and public ones); `select`: the id to choose. */
  async loadModels(select = null) {
    const menu = byId("draw-model");
    try {
      const { models } = await listModels();
      const detectors = models.filter((m) => m.task === "detection" && !m.damaged);
      menu.replaceChildren(...detectors.map((m) => h("option", { value: m.id }, m.yours
        ? t("{name} v{version} (yours)", { name: m.name, version: String(m.version ?? 1) })
        : `${m.name} v${m.version ?? 1}`)));
      if (!detectors.length) {
        menu.append(h("option", { value: "" }, t("No detector yet: train one above")));
      }
      if (select) menu.value = select;
      byId("draw-find").disabled = !detectors.length;
    } catch (err) {
      menu.replaceChildren(h("option", { value: "" },
        t("Models could not be listed: {error}", { error: err.message })));
      byId("draw-find").disabled = true;
    }
  }

  point(event) {
    const rect = this.canvas.getBoundingClientRect();
    return [(event.clientX - rect.left) * (this.canvas.width / rect.width),
      (event.clientY - rect.top) * (this.canvas.height / rect.height)];
  }

  stroke(from, to) {
    const ctx = this.ink.getContext("2d");
    ctx.strokeStyle = "#ffffff";
    ctx.lineWidth = STROKE;
    ctx.lineCap = "round";
    ctx.beginPath();
    ctx.moveTo(...from);
    ctx.lineTo(...to);
    ctx.stroke();
    this.found = [];
    this.draw();
  }

  clear() {
    const ctx = this.ink.getContext("2d");
    ctx.fillStyle = "#000000";
    ctx.fillRect(0, 0, this.ink.width, this.ink.height);
    this.found = [];
    byId("draw-found").replaceChildren();
    this.status("");
    this.draw();
  }

  async putScene() {
    begin("draw");
    try {
      const scene = await getScene("test", Math.floor(Math.random() * 1000));
      const picture = await loadPicture(scene.image);
      const ctx = this.ink.getContext("2d");
      ctx.imageSmoothingEnabled = true;
      ctx.drawImage(picture, 0, 0, this.ink.width, this.ink.height);
      this.found = [];
      byId("draw-found").replaceChildren();
      this.status(t("Test scene {index}: {objects}.", { index: String(scene.index),
        objects: scene.objects.map((o) => o.name).join(", ") }));
      this.draw();
      end("draw");
    } catch (err) {
      this.status(t("The scene could not be loaded: {error}", { error: err.message }));
      end("draw", false);
    }
  }

  /** The chosen photo, fitted into the pad keeping its aspect ratio, on black (as the
   * server fits a picture into a detector's square input). */
  async putPhoto() {
    this.errors.clear();
    const file = byId("draw-photo").files[0];
    if (!file) return;
    begin("draw");
    const url = URL.createObjectURL(file);
    try {
      const photo = await loadPicture(url).catch(() => {
        throw new Error(t("{file} is not a picture this browser can open", { file: file.name }));
      });
      const ctx = this.ink.getContext("2d");
      const scale = Math.min(this.ink.width / photo.width, this.ink.height / photo.height);
      const [wide, high] = [photo.width * scale, photo.height * scale];
      ctx.fillStyle = "#000000";
      ctx.fillRect(0, 0, this.ink.width, this.ink.height);
      ctx.imageSmoothingEnabled = true;
      ctx.drawImage(photo, (this.ink.width - wide) / 2, (this.ink.height - high) / 2, wide, high);
      this.found = [];
      byId("draw-found").replaceChildren();
      this.status(t("{file} ({width} x {height} pixels), fitted in.", { file: file.name,
        width: photo.width, height: photo.height }));
      this.draw();
      end("draw");
    } catch (err) {
      this.errors.show([{ loc: ["file"], msg: err.message }]);
      end("draw", false);
    } finally {
      URL.revokeObjectURL(url);
    }
  }

  async find() {
    this.errors.clear();
    const modelId = byId("draw-model").value;
    begin("draw");
    try {
      const blob = await new Promise((resolve) => { this.ink.toBlob(resolve, "image/png"); });
      const answer = await detect(modelId, blob, byId("draw-score").value);
      this.found = answer.detections;
      this.canvas.dataset.found = String(this.found.length);
      byId("draw-found").replaceChildren(...this.found.map((d) => h("li", {},
        h("span", { class: "swatch", style: `background:${colourOf(d.class)}` }),
        boxText(objectName(d.label), d.score, d.picture_box))));
      this.status(this.found.length ? tn("Found {n} object.", "Found {n} objects.",
        this.found.length) : t("Nothing found above the threshold."));
      this.draw();
      end("draw");
    } catch (err) {
      if (!this.errors.show(err.detail || [])) {
        this.status(t("Could not detect: {error}", { error: err.message }));
      }
      end("draw", false);
    }
  }

  draw() {
    const { ctx, canvas } = this;
    ctx.drawImage(this.ink, 0, 0);
    this.view.scale = 1; // the boxes come back in the pad's own pixels (picture_box)
    for (const d of this.found) {
      this.view.box(d.picture_box, colourOf(d.class), {
        width: 3, label: `${d.label} ${fixed(d.score, 2)}` });
    }
    canvas.dataset.ready = "true";
  }

  status(text) {
    byId("draw-status").textContent = text;
  }
}
