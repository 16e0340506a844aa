// The dataset select, what the chosen dataset is, and a few of its images.

import { datasetSamples } from "../../api.js";
import { getDataset } from "../../api_datasets.js";
import { byId, h } from "../../ui/dom.js";

const THUMBS = 10;

function describe(d) {
  if (d.kind === "yours") {
    return `Yours: ${d.title}, ${d.classes.length} classes (${d.classes.map((c) => c.name)
      .join(", ")}), ${d.total} pictures of ${d.input_shape.join(" \u00d7 ")} (channels `
      + "\u00d7 height \u00d7 width). Edit it on the Datasets page.";
  }
  const shape = d.input_shape.join(" \u00d7 ");
  const where = d.present ? `${d.variant}: ${d.counts.train} training and ${d.counts.test} test`
    + " images" : "not on this machine: run `cnn-playground datasets download "
    + `${d.name}\``;
  return `${d.title}, ${d.classes.length} classes, ${shape} (channels \u00d7 height \u00d7 `
    + `width); ${where}. Licence: ${d.licence}.`;
}

export class DatasetPicker {
  constructor(datasets) {
    this.datasets = datasets;
    this.select = byId("dataset-select");
    const option = (d) => h("option", { value: d.name, disabled: !d.present },
      d.present ? d.title : `${d.title} (not downloaded)`);
    const builtin = datasets.filter((d) => d.kind !== "yours");
    const yours = datasets.filter((d) => d.kind === "yours");
    this.select.replaceChildren(...builtin.map(option), ...yours.length
      ? [h("optgroup", { label: "Yours (the Datasets page)" }, yours.map(option))] : []);
    const first = datasets.find((d) => d.present);
    if (first) this.select.value = first.name;
    this.select.addEventListener("change", () => this.changed());
    this.token = 0;
    this.changed();
  }

  get value() {
    return this.select.value;
  }

  /** Choose a dataset if it is on this machine (a preset's own dataset); a dataset of yours
   * stays chosen (a preset adapts to it). */
  prefer(name) {
    const dataset = this.datasets.find((d) => d.name === name);
    const current = this.datasets.find((d) => d.name === this.select.value);
    if (current && current.kind === "yours") return;
    if (!dataset || !dataset.present || this.select.value === name) return;
    this.select.value = name;
    this.changed();
  }

  /** Choose a dataset by name (/training?dataset=<id>); false when it is not offered. */
  choose(name) {
    const dataset = this.datasets.find((d) => d.name === name);
    if (!dataset || !dataset.present) return false;
    this.select.value = name;
    this.changed();
    return true;
  }

  async samples(dataset) {
    if (dataset.kind !== "yours") return (await datasetSamples(dataset.name, THUMBS)).samples;
    const { classes } = await getDataset(dataset.name);
    return classes.flatMap((c) => c.thumbnails.slice(0, 3).map((t) => ({ png: t.png,
      class_name: c.name }))).slice(0, THUMBS);
  }

  async changed() {
    const dataset = this.datasets.find((d) => d.name === this.select.value);
    const list = byId("dataset-thumbs");
    list.replaceChildren();
    byId("dataset-info").textContent = dataset ? describe(dataset) : "";
    if (!dataset || !dataset.present) return;
    this.token += 1;
    const token = this.token;
    try {
      const samples = await this.samples(dataset);
      if (token !== this.token) return;
      list.replaceChildren(...samples.map((s) => h("li", {},
        h("img", { src: s.png, alt: "", width: 48, height: 48 }),
        h("span", { class: "thumb-label" }, s.class_name))));
    } catch (err) {
      list.replaceChildren(h("li", { class: "hint" }, `No samples: ${err.message}`));
    }
  }
}
