// The dataset select, what the chosen dataset is, and a few of its images.

import { datasetSamples } from "../../api.js";
import { byId, h } from "../../ui/dom.js";

const THUMBS = 10;

function describe(d) {
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
    this.select.replaceChildren(...datasets.map((d) => h("option", {
      value: d.name, disabled: !d.present,
    }, d.present ? d.title : `${d.title} (not downloaded)`)));
    const first = datasets.find((d) => d.present);
    if (first) this.select.value = first.name;
    this.select.addEventListener("change", () => this.changed());
    this.token = 0;
    this.changed();
  }

  get value() {
    return this.select.value;
  }

  /** Choose a dataset if it is on this machine (a preset's own dataset). */
  prefer(name) {
    const dataset = this.datasets.find((d) => d.name === name);
    if (!dataset || !dataset.present || this.select.value === name) return;
    this.select.value = name;
    this.changed();
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
      const { samples } = await datasetSamples(dataset.name, THUMBS);
      if (token !== this.token) return;
      list.replaceChildren(...samples.map((s) => h("li", {},
        h("img", { src: s.png, alt: "", width: 48, height: 48 }),
        h("span", { class: "thumb-label" }, s.class_name))));
    } catch (err) {
      list.replaceChildren(h("li", { class: "hint" }, `No samples: ${err.message}`));
    }
  }
}
