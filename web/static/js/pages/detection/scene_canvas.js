// Drawing a mnist-detect scene and boxes on a canvas, scaled up without smoothing. Class
// colours: Okabe-Ito (black swapped for grey on the dark scenes) and two of Paul Tol's,
// all told apart by colour-blind viewers; every box also carries its class as text.

import { t } from "../../i18n.js";

export const CLASS_COLOURS = ["#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2",
  "#D55E00", "#CC79A7", "#BBBBBB", "#EE99AA", "#44AA99"];

export function colourOf(label) {
  return CLASS_COLOURS[label % CLASS_COLOURS.length];
}

/** How an object of class `name` is written: "Digit 3" for mnist-detect's digits, the
 * class name itself for your own classes. */
export function objectName(name, capital = true) {
  if (!/^\d$/.test(name)) return name;
  return capital ? t("Digit {digit}", { digit: name }) : t("digit {digit}", { digit: name });
}

/** Decodes the scene's PNG data URL once. */
export function loadPicture(dataUrl) {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => resolve(img);
    img.onerror = () => reject(new Error(t("the scene's picture could not be decoded")));
    img.src = dataUrl;
  });
}

export class SceneCanvas {
  constructor(canvas) {
    this.canvas = canvas;
    this.ctx = canvas.getContext("2d");
    this.scale = 1;
  }

  /** Clears to the picture (size: the scene's side in pixels). */
  picture(img, size) {
    this.scale = this.canvas.width / size;
    this.ctx.imageSmoothingEnabled = false;
    this.ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    this.ctx.drawImage(img, 0, 0, this.canvas.width, this.canvas.height);
  }

  /** An xywh box in scene pixels, with an optional label above it. */
  box([x, y, w, h], colour, { label = null, dashed = false, width = 2, fill = null } = {}) {
    const { ctx, scale } = this;
    ctx.save();
    ctx.strokeStyle = colour;
    ctx.lineWidth = width;
    ctx.setLineDash(dashed ? [6, 4] : []);
    if (fill) {
      ctx.fillStyle = fill;
      ctx.fillRect(x * scale, y * scale, w * scale, h * scale);
    }
    ctx.strokeRect(x * scale, y * scale, w * scale, h * scale);
    if (label !== null) {
      ctx.font = "bold 13px system-ui, sans-serif";
      const text = String(label);
      const top = Math.max(y * scale - 16, 0);
      ctx.fillStyle = colour;
      ctx.fillRect(x * scale, top, ctx.measureText(text).width + 6, 16);
      ctx.fillStyle = "#000000";
      ctx.fillText(text, x * scale + 3, top + 12);
    }
    ctx.restore();
  }

  lines(cells) {
    const { ctx } = this;
    const step = this.canvas.width / cells;
    ctx.save();
    ctx.strokeStyle = "rgba(255, 255, 255, 0.45)";
    ctx.lineWidth = 1;
    for (let i = 1; i < cells; i += 1) {
      ctx.beginPath();
      ctx.moveTo(i * step, 0);
      ctx.lineTo(i * step, this.canvas.height);
      ctx.moveTo(0, i * step);
      ctx.lineTo(this.canvas.width, i * step);
      ctx.stroke();
    }
    ctx.restore();
  }
}
