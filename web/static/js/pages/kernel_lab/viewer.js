// Original and result side by side at the same zoom (pixelated when enlarged), scrolled
// together. Reports which result pixel is hovered, tapped or chosen with the arrow keys.

import { byId } from "../../ui/dom.js";

const MAX_FIT = 8;

export class Viewer {
  /** onPixel(x, y, pinned): a result pixel to explain. */
  constructor(onPixel) {
    this.onPixel = onPixel;
    this.original = byId("original-canvas");
    this.result = byId("result-canvas");
    this.panes = [byId("pane-original"), byId("pane-result")];
    this.zoomSelect = byId("zoom-select");
    this.windowBox = byId("window-box");
    this.cursorBox = byId("cursor-box");
    this.cursor = null;
    this.resultScale = 1; // a preview result is drawn enlarged to the full image's size
    this.zoomSelect.addEventListener("change", () => this.layout());
    window.addEventListener("resize", () => this.layout());
    this.bindPanes();
    this.bindPointer();
    this.result.addEventListener("keydown", (e) => this.key(e));
  }

  bindPanes() {
    for (const pane of this.panes) {
      pane.addEventListener("scroll", () => {
        if (this.syncing) return;
        this.syncing = true;
        for (const other of this.panes) {
          if (other !== pane) {
            other.scrollLeft = pane.scrollLeft;
            other.scrollTop = pane.scrollTop;
          }
        }
        window.requestAnimationFrame(() => { this.syncing = false; });
      });
    }
  }

  bindPointer() {
    this.result.addEventListener("pointermove", (e) => {
      if (e.pointerType === "mouse" && !this.pinned) this.pointAt(e, false);
    });
    this.result.addEventListener("pointerdown", (e) => {
      this.pinned = !(this.pinned && e.pointerType === "mouse" && this.samePixel(e));
      this.pointAt(e, this.pinned);
    });
  }

  pixelAt(event) {
    const rect = this.result.getBoundingClientRect();
    const x = Math.floor(((event.clientX - rect.left) / rect.width) * this.result.width);
    const y = Math.floor(((event.clientY - rect.top) / rect.height) * this.result.height);
    return { x: Math.min(Math.max(x, 0), this.result.width - 1),
      y: Math.min(Math.max(y, 0), this.result.height - 1) };
  }

  samePixel(event) {
    const { x, y } = this.pixelAt(event);
    return this.cursor && this.cursor.x === x && this.cursor.y === y;
  }

  pointAt(event, pinned) {
    if (!this.hasResult) return;
    const { x, y } = this.pixelAt(event);
    if (this.cursor && this.cursor.x === x && this.cursor.y === y && !pinned) return;
    this.setCursor(x, y);
    this.onPixel(x, y, pinned);
  }

  key(event) {
    const moves = { ArrowUp: [0, -1], ArrowDown: [0, 1], ArrowLeft: [-1, 0], ArrowRight: [1, 0] };
    const move = moves[event.key];
    if (!move || !this.hasResult) return;
    event.preventDefault();
    const step = event.shiftKey ? 10 : 1;
    const start = this.cursor || { x: Math.floor(this.result.width / 2) - move[0],
      y: Math.floor(this.result.height / 2) - move[1] };
    const x = Math.min(Math.max(start.x + move[0] * step, 0), this.result.width - 1);
    const y = Math.min(Math.max(start.y + move[1] * step, 0), this.result.height - 1);
    this.pinned = true;
    this.setCursor(x, y);
    this.onPixel(x, y, true);
  }

  setCursor(x, y) {
    this.cursor = { x, y };
    this.placeBox(this.cursorBox, this.resultZoom(), x, y, 1, 1);
  }

  async showOriginal(url) {
    const image = new Image();
    this.loading = url;
    image.src = url;
    await image.decode();
    if (this.loading !== url) return; // another photo was chosen meanwhile
    this.original.width = image.naturalWidth;
    this.original.height = image.naturalHeight;
    this.original.getContext("2d").drawImage(image, 0, 0);
    this.hideWindow();
    this.pinned = false;
    this.cursor = null;
    this.cursorBox.hidden = true;
    this.layout();
  }

  /** Draw result pixels; scale > 1 when they come from a downscaled preview. */
  showResult(imageData, scale = 1) {
    const sizeChanged = this.result.width !== imageData.width
      || this.result.height !== imageData.height;
    this.result.width = imageData.width;
    this.result.height = imageData.height;
    this.result.getContext("2d").putImageData(imageData, 0, 0);
    this.hasResult = true;
    this.resultScale = scale;
    if (sizeChanged) {
      this.cursor = null;
      this.cursorBox.hidden = true;
    }
    this.layout();
  }

  zoom() {
    const choice = this.zoomSelect.value;
    if (choice !== "fit") return Number(choice);
    const pane = this.panes[0];
    const width = this.original.width || 1;
    const height = this.original.height || 1;
    const maxHeight = parseFloat(getComputedStyle(pane).maxHeight) || pane.clientHeight;
    const fit = Math.min((pane.clientWidth - 4) / width, (maxHeight - 4) / height);
    return Math.max(Math.min(fit, MAX_FIT), 0.01);
  }

  resultZoom() {
    return this.zoom() * this.resultScale;
  }

  layout() {
    const zoom = this.zoom();
    this.size(this.original, zoom);
    this.size(this.result, zoom * this.resultScale);
    if (this.cursor) this.setCursor(this.cursor.x, this.cursor.y);
    if (this.window) this.showWindow(this.window);
  }

  size(canvas, zoom) {
    canvas.style.width = `${canvas.width * zoom}px`;
    canvas.style.height = `${canvas.height * zoom}px`;
    canvas.classList.toggle("pixelated", zoom > 1.5);
  }

  placeBox(box, zoom, x, y, w, h) {
    Object.assign(box.style, { left: `${x * zoom}px`, top: `${y * zoom}px`,
      width: `${Math.max(w * zoom, 2)}px`, height: `${Math.max(h * zoom, 2)}px` });
    box.hidden = false;
  }

  /** Outline the input window on the original: {rows, cols} in original pixels. */
  showWindow(window) {
    this.window = window;
    const rows = window.rows.filter((r) => r !== null);
    const cols = window.cols.filter((c) => c !== null);
    if (!rows.length || !cols.length) {
      this.windowBox.hidden = true;
      return;
    }
    const top = Math.min(...rows);
    const left = Math.min(...cols);
    this.placeBox(this.windowBox, this.zoom(), left, top, Math.max(...cols) - left + 1,
      Math.max(...rows) - top + 1);
  }

  hideWindow() {
    this.window = null;
    this.windowBox.hidden = true;
  }

  /** The size of the full-resolution image (for preview decisions). */
  originalSize() {
    return { width: this.original.width, height: this.original.height };
  }
}
