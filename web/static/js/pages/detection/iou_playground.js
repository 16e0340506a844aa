// The IoU playground: two boxes on a 100 x 100 plane, moved and resized by mouse (drag the
// box, drag its corner handle), by keyboard (arrows move, Shift + arrows resize) or by
// typing numbers. Every change asks the server for the exact IoU and its working; the
// latest answer wins. Errors (a zero width) are shown at the box's fields.

import { computeIoU } from "../../api_detection.js";
import { formatNumber, t } from "../../i18n.js";
import { byId, svg } from "../../ui/dom.js";
import { FieldErrors } from "../../ui/field_errors.js";
import { begin, end } from "../../ui/status.js";
import { iouText } from "./iou_text.js";

const PLANE = 100;
const HANDLE = 5;
const COLOURS = { a: "#0072B2", b: "#D55E00" };
const MOVES = { ArrowUp: [0, -1], ArrowDown: [0, 1], ArrowLeft: [-1, 0], ArrowRight: [1, 0] };

export class IoUPlayground {
  constructor() {
    this.plane = byId("iou-plane");
    this.form = byId("iou-form");
    this.errors = new FieldErrors(this.form);
    this.boxes = { a: this.read("a"), b: this.read("b") };
    this.asked = 0;
    this.timer = null;
    this.drag = null;
    this.overlap = svg("rect", { class: "iou-overlap", visibility: "hidden" });
    this.plane.append(svg("rect", { x: 0, y: 0, width: PLANE, height: PLANE, class: "iou-bg" }));
    this.parts = { a: this.makeBox("a"), b: this.makeBox("b") };
    this.plane.append(this.overlap);
    this.form.addEventListener("input", () => {
      this.boxes = { a: this.read("a"), b: this.read("b") };
      this.changed(false);
    });
    this.plane.addEventListener("pointermove", (event) => this.moveDrag(event));
    this.plane.addEventListener("pointerup", () => this.endDrag());
    this.plane.addEventListener("pointercancel", () => this.endDrag());
    this.changed(false);
  }

  read(name) {
    return ["x", "y", "w", "h"].map((k) => Number(this.form.elements[`${name}-${k}`].value));
  }

  makeBox(name) {
    const group = svg("g", { tabindex: 0, role: "img", class: `iou-box iou-box-${name}`,
      "data-box": name });
    const rect = svg("rect", { fill: `${COLOURS[name]}33`, stroke: COLOURS[name],
      "stroke-width": 0.8 });
    const handle = svg("rect", { width: HANDLE, height: HANDLE, fill: COLOURS[name],
      class: "iou-handle" });
    const text = svg("text", { class: "iou-label", fill: COLOURS[name] });
    text.textContent = name.toUpperCase();
    group.append(rect, handle, text);
    rect.addEventListener("pointerdown", (event) => this.startDrag(event, name, "move"));
    handle.addEventListener("pointerdown", (event) => this.startDrag(event, name, "resize"));
    group.addEventListener("keydown", (event) => this.key(event, name));
    this.plane.append(group);
    return { group, rect, handle, text };
  }

  point(event) {
    const matrix = this.plane.getScreenCTM().inverse();
    const p = new DOMPoint(event.clientX, event.clientY).matrixTransform(matrix);
    return [p.x, p.y];
  }

  startDrag(event, name, mode) {
    event.preventDefault();
    this.plane.setPointerCapture(event.pointerId);
    this.parts[name].group.focus();
    this.drag = { name, mode, from: this.point(event), box: [...this.boxes[name]] };
  }

  moveDrag(event) {
    if (!this.drag) return;
    const [px, py] = this.point(event);
    const { name, mode, from, box } = this.drag;
    const dx = Math.round(px - from[0]);
    const dy = Math.round(py - from[1]);
    this.boxes[name] = mode === "move" ? clampMove(box, dx, dy) : clampSize(box, dx, dy);
    this.changed(true);
  }

  endDrag() {
    if (this.drag) this.changed(false);
    this.drag = null;
  }

  key(event, name) {
    const move = MOVES[event.key];
    if (!move) return;
    event.preventDefault();
    const box = this.boxes[name];
    this.boxes[name] = event.shiftKey ? clampSize(box, move[0], move[1])
      : clampMove(box, move[0], move[1]);
    this.changed(false);
  }

  /** Redraw now, write the fields, and ask the server (at once, or shortly while dragging). */
  changed(dragging) {
    for (const name of ["a", "b"]) {
      this.draw(name);
      if (document.activeElement?.form !== this.form) {
        this.boxes[name].forEach((v, i) => {
          this.form.elements[`${name}-${"xywh"[i]}`].value = String(v);
        });
      }
    }
    clearTimeout(this.timer);
    begin("iou"); // busy from the change on, so a test never reads the previous answer
    this.timer = setTimeout(() => this.ask(), dragging ? 60 : 0);
  }

  draw(name) {
    const [x, y, w, h] = this.boxes[name];
    const { group, rect, handle, text } = this.parts[name];
    const ok = [x, y, w, h].every(Number.isFinite) && w > 0 && h > 0;
    group.setAttribute("visibility", ok ? "visible" : "hidden");
    if (!ok) return;
    Object.entries({ x, y, width: w, height: h }).forEach(([k, v]) => rect.setAttribute(k, v));
    handle.setAttribute("x", x + w - HANDLE / 2);
    handle.setAttribute("y", y + h - HANDLE / 2);
    text.setAttribute("x", x + 1.5);
    text.setAttribute("y", y + 6);
    group.setAttribute("aria-label", t("Box {name}: x {x}, y {y}, width {w}, height {h}. Arrow keys move it, Shift + arrow keys resize it.", { name: name.toUpperCase(), x, y, w, h }));
  }

  async ask() {
    this.asked += 1;
    const mine = this.asked;
    let ok = true;
    try {
      const answer = await computeIoU(this.boxes.a, this.boxes.b);
      if (mine !== this.asked) return;
      this.errors.clear();
      this.show(answer);
    } catch (err) {
      if (mine !== this.asked) return;
      ok = false;
      if (!this.errors.show(err.detail || [])) this.errors.attach(this.form, err.message);
      byId("iou-value").textContent = "?";
      this.overlap.setAttribute("visibility", "hidden");
    } finally {
      if (mine === this.asked) end("iou", ok);
    }
  }

  show(answer) {
    const value = byId("iou-value");
    const decimals = (digits) => formatNumber(answer.iou, { maximumFractionDigits: 4,
      minimumFractionDigits: digits });
    value.textContent = answer.iou_exact && answer.iou_exact.includes("/")
      ? `${answer.iou_exact} ≈ ${decimals(4)}` : decimals(0);
    value.dataset.iou = String(answer.iou);
    byId("iou-text").textContent = iouText(answer.text);
    const box = answer.intersection_box;
    this.overlap.setAttribute("visibility", box ? "visible" : "hidden");
    if (box) {
      Object.entries({ x: box[0], y: box[1], width: box[2] - box[0], height: box[3] - box[1] })
        .forEach(([k, v]) => this.overlap.setAttribute(k, v));
    }
  }
}

function clampMove([x, y, w, h], dx, dy) {
  return [Math.min(Math.max(x + dx, 0), PLANE - w), Math.min(Math.max(y + dy, 0), PLANE - h),
    w, h];
}

function clampSize([x, y, w, h], dw, dh) {
  return [x, y, Math.min(Math.max(w + dw, 1), PLANE - x), Math.min(Math.max(h + dh, 1), PLANE - y)];
}
