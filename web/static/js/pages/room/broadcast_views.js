// What the room page shows for a network, a model or a dataset broadcast: the layer table
// (shapes and parameters from the server), for a model its card (dataset, classes,
// accuracy), for a dataset its classes with their counts and a few thumbnails each.

import { getModel, summarizeNetwork } from "../../api.js";
import { getDataset } from "../../api_datasets.js";
import { boxedPicture, boxesFacts } from "../datasets/boxes_view.js";
import { byId, h } from "../../ui/dom.js";
import { layerTable } from "./layer_table.js";

let token = 0; // a newer broadcast wins over an answer still on its way

function fact(term, value) {
  return h("div", {}, h("dt", {}, term), h("dd", {}, value));
}

export async function showNetwork(spec, title) {
  const mine = ++token;
  const summary = byId("network-summary");
  summary.textContent = "Working out the shapes\u2026";
  byId("network-table").replaceChildren();
  try {
    const result = await summarizeNetwork(spec);
    if (mine !== token) return;
    summary.textContent = `${title || "The network"}: input ${result.input_shape.join(
      " \u00d7 ")}, ${spec.layers.length} layers, ${result.total_params.toLocaleString("en")} `
      + "parameters.";
    byId("network-table").replaceChildren(layerTable(result, "Layers, their output shapes "
      + "and parameter counts"));
  } catch (err) {
    if (mine !== token) return;
    summary.textContent = `The network's shapes could not be worked out: ${err.message}`;
  }
}

export async function showModel(modelId, title) {
  const mine = ++token;
  const facts = byId("model-facts");
  byId("model-heading").textContent = title || "The teacher's model";
  facts.replaceChildren(fact("Model", modelId));
  byId("model-table").replaceChildren();
  try {
    const model = await getModel(modelId);
    if (mine !== token) return;
    const accuracy = typeof model.test_accuracy === "number"
      ? `${(model.test_accuracy * 100).toFixed(1)}%` : "not measured";
    const classes = model.classes || [];
    byId("model-heading").textContent = model.name;
    facts.replaceChildren(fact("Dataset", model.dataset || "unknown"),
      fact("Classes", classes.length ? `${classes.length} (${classes.slice(0, 10).join(", ")}${
        classes.length > 10 ? ", \u2026" : ""})` : "unknown"),
      fact("Test accuracy", accuracy),
      fact("Input", (model.input_shape || []).join(" \u00d7 ") || "unknown"));
    byId("model-table").replaceChildren(layerTable(model.summary, `Layers of ${model.name}`));
  } catch (err) {
    if (mine !== token) return;
    facts.append(fact("Details", `not available: ${err.message}`));
  }
}

const THUMBNAILS = 4; // per class: the newest

function picturesText(count) {
  return `${count} ${count === 1 ? "picture" : "pictures"}`;
}

function classItem(entry) {
  return h("li", {}, h("h3", {}, `${entry.name}: ${picturesText(entry.count)}`),
    h("ul", { class: "dataset-thumbs", "aria-label": `Newest pictures of ${entry.name}` },
      ...entry.thumbnails.slice(0, THUMBNAILS).map((t, i) => h("li", {},
        h("img", { src: t.png, alt: `${entry.name}, picture ${i + 1}` })))));
}

export async function showDataset(datasetId, title) {
  const mine = ++token;
  const facts = byId("dataset-facts");
  byId("dataset-heading").textContent = title || "The teacher's dataset";
  facts.textContent = "Loading the dataset\u2026";
  byId("dataset-classes").replaceChildren();
  try {
    const dataset = await getDataset(datasetId);
    if (mine !== token) return;
    byId("dataset-heading").textContent = dataset.name;
    if (dataset.task === "detection") {
      facts.textContent = boxesFacts(dataset);
      byId("dataset-classes").replaceChildren(...dataset.classes.map((c) => h("li", {},
        h("h3", {}, `${c.name}: ${c.boxes} ${c.boxes === 1 ? "box" : "boxes"}`))),
      h("li", {}, h("ul", { class: "dataset-thumbs", "aria-label": "The first pictures, with "
        + "their boxes" }, ...dataset.thumbnails.slice(0, 2 * THUMBNAILS).map((t, i) =>
        boxedPicture(t, i, dataset)))));
      return;
    }
    facts.textContent = `${picturesText(dataset.total)} in ${dataset.classes.length} `
      + `${dataset.classes.length === 1 ? "class" : "classes"}; ${dataset.size} \u00d7 `
      + `${dataset.size} pixels, ${dataset.channels === 1 ? "grayscale" : "colour"}.`;
    byId("dataset-classes").replaceChildren(...dataset.classes.map(classItem));
  } catch (err) {
    if (mine !== token) return;
    facts.textContent = `The dataset could not be shown: ${err.message}`;
  }
}

/** A broadcast that is no longer shown: forget answers still on their way. */
export function forget() {
  token += 1;
}
