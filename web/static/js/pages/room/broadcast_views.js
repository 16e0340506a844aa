// What the room page shows for a network, a model or a dataset broadcast: the layer table
// (shapes and parameters from the server), for a model its card (dataset, classes,
// accuracy), for a dataset its classes with their counts and a few thumbnails each.

import { getModel, summarizeNetwork } from "../../api.js";
import { getDataset } from "../../api_datasets.js";
import { boxedPicture, boxesFacts } from "../datasets/boxes_view.js";
import { formatNumber, t, tn, tx } from "../../i18n.js";
import { byId, h } from "../../ui/dom.js";
import { layerTable } from "./layer_table.js";

let token = 0; // a newer broadcast wins over an answer still on its way

function fact(term, value) {
  return h("div", {}, h("dt", {}, term), h("dd", {}, value));
}

export async function showNetwork(spec, title) {
  const mine = ++token;
  const summary = byId("network-summary");
  summary.textContent = t("Working out the shapes\u2026");
  byId("network-table").replaceChildren();
  try {
    const result = await summarizeNetwork(spec);
    if (mine !== token) return;
    const fallback = t("The network"); // not inside tn(): the extractor misses nested calls
    summary.textContent = tn("{title}: input {shape}, {n} layer, {params} parameters.",
      "{title}: input {shape}, {n} layers, {params} parameters.", spec.layers.length, {
        title: title ? tx(title) : fallback,
        shape: result.input_shape.join(" \u00d7 "), params: formatNumber(result.total_params) });
    byId("network-table").replaceChildren(layerTable(result,
      t("Layers, their output shapes and parameter counts")));
  } catch (err) {
    if (mine !== token) return;
    summary.textContent = t("The network's shapes could not be worked out: {error}",
      { error: err.message });
  }
}

/** "10 (0, 1, 2, …)": how many, and the first ten. */
function classList(classes) {
  const more = classes.length > 10 ? ", \u2026" : "";
  return `${formatNumber(classes.length)} (${classes.slice(0, 10).join(", ")}${more})`;
}

export async function showModel(modelId, title) {
  const mine = ++token;
  const facts = byId("model-facts");
  byId("model-heading").textContent = title || t("The teacher's model");
  facts.replaceChildren(fact(t("Model"), modelId));
  byId("model-table").replaceChildren();
  try {
    const model = await getModel(modelId);
    if (mine !== token) return;
    const accuracy = typeof model.test_accuracy === "number"
      ? formatNumber(model.test_accuracy, { style: "percent", minimumFractionDigits: 1,
        maximumFractionDigits: 1 }) : t("not measured");
    const classes = model.classes || [];
    byId("model-heading").textContent = model.name;
    facts.replaceChildren(fact(t("Dataset"), model.dataset || t("unknown")),
      fact(t("Classes"), classes.length ? classList(classes) : t("unknown")),
      fact(t("Test accuracy"), accuracy),
      fact(t("Input"), (model.input_shape || []).join(" \u00d7 ") || t("unknown")));
    byId("model-table").replaceChildren(layerTable(model.summary,
      t("Layers of {model}", { model: model.name })));
  } catch (err) {
    if (mine !== token) return;
    facts.append(fact(t("Details"), t("not available: {error}", { error: err.message })));
  }
}

const THUMBNAILS = 4; // per class: the newest

function classItem(entry) {
  return h("li", {}, h("h3", {}, tn("{name}: {n} picture", "{name}: {n} pictures", entry.count,
    { name: entry.name })),
  h("ul", { class: "dataset-thumbs", "aria-label": t("Newest pictures of {name}",
    { name: entry.name }) },
  ...entry.thumbnails.slice(0, THUMBNAILS).map((thumb, i) => h("li", {},
    h("img", { src: thumb.png, alt: t("{name}, picture {number}", { name: entry.name,
      number: i + 1 }) })))));
}

/** "40 pictures in 2 classes; 28 × 28 pixels, grayscale." */
function datasetFacts(dataset) {
  const n = dataset.total;
  const params = { classes: dataset.classes.length, size: String(dataset.size) };
  const one = dataset.classes.length === 1;
  if (dataset.channels === 1) {
    return one ? tn("{n} picture in 1 class; {size} \u00d7 {size} pixels, grayscale.",
      "{n} pictures in 1 class; {size} \u00d7 {size} pixels, grayscale.", n, params)
      : tn("{n} picture in {classes} classes; {size} \u00d7 {size} pixels, grayscale.",
        "{n} pictures in {classes} classes; {size} \u00d7 {size} pixels, grayscale.", n, params);
  }
  return one ? tn("{n} picture in 1 class; {size} \u00d7 {size} pixels, colour.",
    "{n} pictures in 1 class; {size} \u00d7 {size} pixels, colour.", n, params)
    : tn("{n} picture in {classes} classes; {size} \u00d7 {size} pixels, colour.",
      "{n} pictures in {classes} classes; {size} \u00d7 {size} pixels, colour.", n, params);
}

export async function showDataset(datasetId, title) {
  const mine = ++token;
  const facts = byId("dataset-facts");
  byId("dataset-heading").textContent = title || t("The teacher's dataset");
  facts.textContent = t("Loading the dataset\u2026");
  byId("dataset-classes").replaceChildren();
  try {
    const dataset = await getDataset(datasetId);
    if (mine !== token) return;
    byId("dataset-heading").textContent = dataset.name;
    if (dataset.task === "detection") {
      facts.textContent = boxesFacts(dataset);
      byId("dataset-classes").replaceChildren(...dataset.classes.map((c) => h("li", {},
        h("h3", {}, tn("{name}: {n} box", "{name}: {n} boxes", c.boxes, { name: c.name })))),
      h("li", {}, h("ul", { class: "dataset-thumbs",
        "aria-label": t("The first pictures, with their boxes") },
      ...dataset.thumbnails.slice(0, 2 * THUMBNAILS).map((thumb, i) =>
        boxedPicture(thumb, i, dataset)))));
      return;
    }
    facts.textContent = datasetFacts(dataset);
    byId("dataset-classes").replaceChildren(...dataset.classes.map(classItem));
  } catch (err) {
    if (mine !== token) return;
    facts.textContent = t("The dataset could not be shown: {error}", { error: err.message });
  }
}

/** A broadcast that is no longer shown: forget answers still on their way. */
export function forget() {
  token += 1;
}
