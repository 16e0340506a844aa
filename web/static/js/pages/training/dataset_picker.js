// The dataset select, what the chosen dataset is, and a few of its images.

import { datasetSamples } from "../../api.js";
import { getDataset } from "../../api_datasets.js";
import { t, tx } from "../../i18n.js";
import { byId, h } from "../../ui/dom.js";

const THUMBS = 10;

function describe(d) {
  const shape = d.input_shape.join(" \u00d7 ");
  if (d.kind === "yours") {
    return t("Yours: {title}, {count} classes ({classes}), {total} pictures of {shape} (channels \u00d7 height \u00d7 width). Edit it on the Datasets page.",
      { title: d.title, count: String(d.classes.length),
        classes: d.classes.map((c) => c.name).join(", "), total: String(d.total), shape });
  }
  const values = { title: tx(d.title), count: String(d.classes.length), shape,
    variant: tx(d.variant), train: String(d.counts ? d.counts.train : 0),
    test: String(d.counts ? d.counts.test : 0), name: d.name,
    licence: tx(d.licence) };
  return d.present
    ? t("{title}, {count} classes, {shape} (channels \u00d7 height \u00d7 width); {variant}: {train} training and {test} test images. Licence: {licence}.", values)
    : t("{title}, {count} classes, {shape} (channels \u00d7 height \u00d7 width); not on this machine: run `cnn-playground datasets download {name}`. Licence: {licence}.", values);
}

export class DatasetPicker {
  constructor(datasets) {
    this.datasets = datasets;
    this.select = byId("dataset-select");
    const option = (d) => h("option", { value: d.name, disabled: !d.present },
      d.present ? tx(d.title) : t("{title} (not downloaded)", { title: tx(d.title) }));
    const builtin = datasets.filter((d) => d.kind !== "yours");
    const yours = datasets.filter((d) => d.kind === "yours");
    this.select.replaceChildren(...builtin.map(option), ...yours.length
      ? [h("optgroup", { label: t("Yours (the Datasets page)") }, yours.map(option))] : []);
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
    return classes.flatMap((c) => c.thumbnails.slice(0, 3).map((thumb) => ({ png: thumb.png,
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
      list.replaceChildren(h("li", { class: "hint" }, t("No samples: {error}",
        { error: err.message })));
    }
  }
}
