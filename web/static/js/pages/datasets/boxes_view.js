// A detection dataset, opened: how many boxes each class has, how many pictures training
// uses and holds out, and the first pictures with their boxes drawn over them (an SVG on
// the picture, in the picture's own pixels). Class colours as on the Detection Lab page.

import { t, tn } from "../../i18n.js";
import { byId, h, svg } from "../../ui/dom.js";
import { colourOf } from "../detection/scene_canvas.js";

/** "120 pictures (108 to train on, 12 held out), 243 boxes in 2 classes; 96 x 96 pixels". */
export function boxesFacts(dataset) {
  const boxes = dataset.classes.reduce((sum, c) => sum + c.boxes, 0);
  const classes = dataset.classes.length;
  const p = { pictures: tn("{n} picture", "{n} pictures", dataset.total),
    train: dataset.pictures.train, test: dataset.pictures.test,
    boxes: tn("{n} box", "{n} boxes", boxes), classes: tn("{n} class", "{n} classes", classes),
    size: dataset.size };
  return dataset.channels === 1
    ? t("{pictures} ({train} to train on, {test} held out), {boxes} in {classes}; {size} \u00d7 {size} pixels, grayscale, each photo fitted in whole (letterboxed).", p)
    : t("{pictures} ({train} to train on, {test} held out), {boxes} in {classes}; {size} \u00d7 {size} pixels, colour, each photo fitted in whole (letterboxed).", p);
}

/** One picture with its boxes drawn over it (an SVG), and its objects named below. */
export function boxedPicture(thumb, index, dataset) {
  const names = dataset.classes.map((c) => c.name);
  const label = thumb.boxes.length ? thumb.boxes.map((_, k) => names[thumb.classes[k]]).join(", ")
    : t("no objects");
  return h("li", { class: "boxes-picture" },
    svg("svg", { viewBox: `0 0 ${dataset.size} ${dataset.size}`, role: "img",
      "aria-label": t("Picture {n}: {objects}", { n: index + 1, objects: label }) },
    svg("image", { href: thumb.png, width: dataset.size, height: dataset.size }),
    ...thumb.boxes.map(([x, y, w, hgt], k) => svg("rect", { x, y, width: w, height: hgt,
      fill: "none", stroke: colourOf(thumb.classes[k]), "stroke-width": dataset.size / 64 }))),
    h("span", { class: "hint" }, label));
}

/** The open view's facts, links and the boxes section for a detection dataset. */
export function renderBoxes(dataset) {
  byId("open-facts").textContent = boxesFacts(dataset);
  byId("train-link").href = `/detection?${new URLSearchParams({ dataset: dataset.id })}`;
  byId("train-link").textContent = t("Open in the Detection Lab");
  byId("train-hint").textContent = dataset.pictures.test
    ? t("Ready: the Detection Lab shows its pictures with the grid and labels a detector learns, and trains one on them.")
    : t("Training a detector needs at least 5 pictures (one is held out to score it).");
  byId("boxes-classes").replaceChildren(...dataset.classes.map((c, i) => h("tr", {},
    h("th", { scope: "row" }, h("span", { class: "swatch",
      style: `background:${colourOf(i)}` }), ` ${c.name}`),
    h("td", {}, String(c.boxes)))));
  byId("boxes-pictures").replaceChildren(...dataset.thumbnails.map((thumb, i) => boxedPicture(thumb,
    i, dataset)));
}
