// The grid over a scene and one cell's label vector, drawn the way the lecture writes it:
// y = [P, x, y, w, h, c0..c9] per anchor, stacked; "?" where P = 0 (nothing is asked there).

import { formatNumber, lang, t } from "../../i18n.js";
import { byId, h } from "../../ui/dom.js";
import { SceneCanvas, colourOf, objectName } from "./scene_canvas.js";

const KEYS = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };

export class GridView {
  constructor() {
    this.canvas = byId("grid-canvas");
    this.view = new SceneCanvas(this.canvas);
    this.scene = null;
    this.picture = null;
    this.cell = [0, 0];
    this.canvas.addEventListener("click", (event) => {
      if (!this.scene) return;
      const rect = this.canvas.getBoundingClientRect();
      const cells = this.scene.grid.cells;
      const col = Math.floor(((event.clientX - rect.left) / rect.width) * cells);
      const row = Math.floor(((event.clientY - rect.top) / rect.height) * cells);
      this.select(Math.min(Math.max(row, 0), cells - 1), Math.min(Math.max(col, 0), cells - 1));
    });
    this.canvas.addEventListener("keydown", (event) => {
      const move = KEYS[event.key];
      if (!move || !this.scene) return;
      event.preventDefault();
      const cells = this.scene.grid.cells;
      const row = Math.min(Math.max(this.cell[0] + move[0], 0), cells - 1);
      const col = Math.min(Math.max(this.cell[1] + move[1], 0), cells - 1);
      this.select(row, col);
    });
  }

  show(scene, picture) {
    this.scene = scene;
    this.picture = picture;
    const first = scene.objects[0];
    const size = scene.grid.cell_size;
    this.canvas.dataset.objects = String(scene.objects.length);
    byId("scene-objects").replaceChildren(...scene.objects.map((o, i) => h("li", {},
      h("span", { class: "swatch", style: `background:${colourOf(o.class)}` }),
      objectText(o, i, scene))));
    this.select(Math.floor((first.box[1] + first.box[3] / 2) / size),
      Math.floor((first.box[0] + first.box[2] / 2) / size));
  }

  select(row, col) {
    this.cell = [row, col];
    this.canvas.dataset.cell = `${row},${col}`;
    this.draw();
    this.table();
  }

  draw() {
    const { scene, view } = this;
    const { cells, cell_size: size, anchors } = scene.grid;
    view.picture(this.picture, scene.size);
    view.lines(cells);
    const [row, col] = this.cell;
    view.box([col * size, row * size, size, size], "#ffffff",
      { width: 3, fill: "rgba(255, 255, 255, 0.18)" });
    anchors.forEach(([w, hgt]) => {
      const cx = (col + 0.5) * size;
      const cy = (row + 0.5) * size;
      view.box([cx - (w * size) / 2, cy - (hgt * size) / 2, w * size, hgt * size], "#ffffff",
        { dashed: true, width: 1.5 });
    });
    for (const o of scene.objects) {
      view.box(o.box, colourOf(o.class), { label: o.name });
      const [x, y, w, hgt] = o.box;
      const ctx = view.ctx;
      ctx.fillStyle = colourOf(o.class);
      ctx.beginPath();
      ctx.arc((x + w / 2) * view.scale, (y + hgt / 2) * view.scale, 4, 0, 2 * Math.PI);
      ctx.fill();
    }
  }

  table() {
    const { scene } = this;
    const [row, col] = this.cell;
    const slots = scene.labels[row][col];
    const { anchors, slot } = scene.grid;
    byId("label-head").replaceChildren(h("th", { scope: "col" }, t("Entry")),
      ...anchors.map(([w, hgt], i) => h("th", { scope: "col" },
        t("Anchor {n} ({w} x {h} cells)", { n: i + 1, w: fmt(w), h: fmt(hgt) }))));
    byId("label-body").replaceChildren(...slot.map((name, k) => h("tr", {},
      h("th", { scope: "row" }, name),
      ...slots.map((values) => h("td", { class: values[0] === 1 && k > 0 ? "" : "quiet" },
        k === 0 || values[0] === 1 ? fmt(values[k]) : "?")))));
    const held = slots.map((values, i) => [values, i]).filter(([values]) => values[0] === 1);
    const where = { row: row + 1, col: col + 1 };
    const objects = new Intl.ListFormat(lang, { type: "conjunction" }).format(held.map(
      ([values, i]) => t("{object} (anchor {n})", { n: i + 1,
        object: objectName(slot[5 + values.slice(5).indexOf(1)].slice(1), false) })));
    byId("cell-caption").textContent = held.length
      ? t("Cell row {row}, column {col}: holds the centre of {objects}; x, y place the centre inside the cell (0 to 1), w, h give the size in cells.", { ...where, objects })
      : t("Cell row {row}, column {col}: no object's centre falls here, so P = 0 and the rest is \"don't care\" (?).", where);
  }
}

/** "3", "0.375": at most 3 decimals, in the page's language. */
function fmt(value) {
  return formatNumber(value, { maximumFractionDigits: 3, useGrouping: false });
}

/** "Digit 3: box x 10, y 4, w 20, h 20 (object 1, MNIST test digit #123)". */
function objectText(o, i, scene) {
  const p = { name: objectName(o.name), x: fmt(o.box[0]), y: fmt(o.box[1]), w: fmt(o.box[2]),
    h: fmt(o.box[3]), n: i + 1, source: String(o.source) };
  if (scene.dataset !== "mnist-detect") {
    return t("{name}: box x {x}, y {y}, w {w}, h {h} (object {n}, picture #{source})", p);
  }
  return scene.split === "test"
    ? t("{name}: box x {x}, y {y}, w {w}, h {h} (object {n}, MNIST test digit #{source})", p)
    : t("{name}: box x {x}, y {y}, w {w}, h {h} (object {n}, MNIST train digit #{source})", p);
}
