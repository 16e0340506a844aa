// The open dataset: its classes (cards), the class-balance chart, the preview, the webcam,
// "Train on this", the export link and deleting it (after a confirm step).

import { addDatasetClass, datasetExportUrl, deleteDataset, deleteDatasetClass, deleteDatasetImage, getDataset } from "../../api_datasets.js";
import { t, tn } from "../../i18n.js";
import { byId, h } from "../../ui/dom.js";
import { FieldErrors } from "../../ui/field_errors.js";
import { begin, end } from "../../ui/status.js";
import { MIN_IMAGES, renderBalance, renderPreview } from "./balance_chart.js";
import { renderBoxes } from "./boxes_view.js";
import { ClassCard, picturesText } from "./class_card.js";
import { addInBatches } from "./files.js";
import { Webcam } from "./webcam.js";

export const SUGGESTED_PRESET = "lenet-mnist"; // adapts to any dataset's size and classes

/** Why a run would refuse this dataset, or "" when it is ready to train. */
export function trainHint(classes) {
  if (classes.length < 2) return t("Training needs at least 2 classes.");
  const short = classes.filter((c) => c.count < MIN_IMAGES).map((c) => c.name);
  if (short.length) {
    return t("Training needs {min} pictures or more in every class; add some to {names}.",
      { min: MIN_IMAGES, names: short.join(", ") });
  }
  return t("Ready to train: it opens the Training page with this dataset and {preset}, a small network that takes its size, channels and classes.", { preset: SUGGESTED_PRESET });
}

/** "12 pictures in 2 classes; 32 x 32 pixels, grayscale, padded to a square." */
function openFacts(dataset) {
  const p = { pictures: picturesText(dataset.total), size: dataset.size,
    classes: tn("{n} class", "{n} classes", dataset.classes.length) };
  const pad = dataset.fit === "pad";
  if (dataset.channels === 1) {
    return pad ? t("{pictures} in {classes}; {size} \u00d7 {size} pixels, grayscale, padded to a square.", p)
      : t("{pictures} in {classes}; {size} \u00d7 {size} pixels, grayscale, cropped to a square.", p);
  }
  return pad ? t("{pictures} in {classes}; {size} \u00d7 {size} pixels, colour, padded to a square.", p)
    : t("{pictures} in {classes}; {size} \u00d7 {size} pixels, colour, cropped to a square.", p);
}

export class OpenDataset {
  /** on: {changed(), deleted()}. */
  constructor(on) {
    this.on = on;
    this.id = null;
    this.dataset = null;
    this.cards = new Map();
    this.token = 0;
    this.classErrors = new FieldErrors(byId("class-form"));
    this.actions = {
      addFiles: (card, files) => this.addFiles(card, files),
      deleteImage: (card, imageId) => this.deleteImage(card, imageId),
      deleteClass: (card) => this.deleteClass(card),
    };
    byId("class-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.addClass();
    });
    this.bindDelete();
    this.webcam = new Webcam({ video: byId("webcam-video"), start: byId("webcam-start"),
      stop: byId("webcam-stop"), capture: byId("webcam-capture"),
      status: byId("webcam-status") }, (files) => this.captured(files));
    byId("webcam-start").addEventListener("click", async () => {
      const error = byId("webcam-error");
      error.hidden = true;
      try {
        await this.webcam.start();
        byId("webcam-capture").focus();
      } catch (err) {
        error.hidden = false;
        error.textContent = err.message;
      }
    });
  }

  /** Resolves to whether it opened. */
  async open(id) {
    begin("open");
    let ok = true;
    try {
      const dataset = await getDataset(id);
      if (id !== this.id) this.reset(id);
      this.render(dataset);
    } catch (err) {
      ok = false;
      this.reset(null);
      byId("open-view").hidden = true;
      byId("open-none").textContent = t("That dataset cannot be opened: {error}",
        { error: err.message });
    } finally {
      end("open", ok);
    }
    return ok;
  }

  reset(id) {
    this.id = id;
    this.dataset = null;
    this.cards.clear();
    byId("class-list").replaceChildren();
    byId("open-status").textContent = "";
    byId("delete-confirm").hidden = true;
    byId("delete-dataset").hidden = false;
    this.classErrors.clear();
    if (this.webcam.running) this.webcam.stop();
  }

  async refresh() {
    this.token += 1;
    const token = this.token;
    const dataset = await getDataset(this.id);
    if (token === this.token && dataset.id === this.id) this.render(dataset);
    this.on.changed();
  }

  render(dataset) {
    this.dataset = dataset;
    document.body.dataset.open = dataset.id;
    byId("open-view").hidden = false;
    byId("open-heading").textContent = dataset.name;
    byId("export-link").href = datasetExportUrl(dataset.id);
    const boxes = dataset.task === "detection";
    byId("class-view").hidden = boxes;
    byId("boxes-view").hidden = !boxes;
    if (boxes) {
      if (this.webcam.running) this.webcam.stop();
      renderBoxes(dataset);
      return;
    }
    byId("train-link").textContent = t("Train on this");
    byId("open-facts").textContent = openFacts(dataset);
    const query = new URLSearchParams({ dataset: dataset.id, preset: SUGGESTED_PRESET });
    byId("train-link").href = `/training?${query}`;
    byId("train-hint").textContent = trainHint(dataset.classes);
    const names = dataset.classes.map((c) => c.name);
    for (const [name, card] of this.cards) {
      if (!names.includes(name)) {
        card.node.remove();
        this.cards.delete(name);
      }
    }
    const list = byId("class-list");
    for (const entry of dataset.classes) {
      let card = this.cards.get(entry.name);
      if (!card) {
        card = new ClassCard(entry.name, this.actions);
        this.cards.set(entry.name, card);
      }
      list.append(card.node); // in the dataset's order
      card.update(entry);
    }
    byId("classes-empty").hidden = dataset.classes.length > 0;
    this.fillWebcamClasses(names);
    renderBalance(byId("balance-chart"), dataset.classes);
    renderPreview(byId("preview-list"), byId("preview-hint"), dataset);
  }

  fillWebcamClasses(names) {
    const select = byId("webcam-class");
    const chosen = select.value;
    select.replaceChildren(...names.map((n) => h("option", { value: n }, n)));
    if (names.includes(chosen)) select.value = chosen;
    select.disabled = !names.length;
  }

  async addClass() {
    const input = byId("class-name");
    const name = input.value.trim();
    this.classErrors.clear();
    if (!name) {
      this.classErrors.show([{ loc: ["class"], msg: t("Name the class first.") }]);
      input.focus();
      return;
    }
    if (this.cards.has(name)) {
      this.classErrors.show([{ loc: ["class"],
        msg: t("There is a class {name} already.", { name }) }]);
      input.focus();
      return;
    }
    begin("class");
    let ok = true;
    try {
      this.render(await addDatasetClass(this.id, name));
      this.on.changed();
      input.value = "";
      byId("open-status").textContent = t("Added the class {name}.", { name });
      const select = byId("webcam-class");
      if (select.options.length === 1 || !this.webcam.running) select.value = name;
    } catch (err) {
      ok = false;
      this.classErrors.show((err.detail || []).map((d) => ({ ...d, loc: ["class"] })));
      input.focus();
    } finally {
      end("class", ok);
    }
  }

  async addFiles(card, files) {
    const part = `add:${card.name}`;
    begin(part);
    card.busy(true);
    let ok = true;
    try {
      const answer = await addInBatches(this.id, card.name, files,
        (done, total) => card.progressed(done, total));
      card.reported(answer.stored, answer.skipped);
      await this.refresh();
      return answer;
    } catch (err) {
      ok = false;
      card.failed(err.message);
      return null;
    } finally {
      card.busy(false);
      end(part, ok);
    }
  }

  async captured(files) {
    const name = byId("webcam-class").value;
    const card = this.cards.get(name);
    const status = byId("webcam-status");
    if (!card) {
      status.textContent = t("Add a class first: the pictures go into the chosen class.");
      return;
    }
    const answer = await this.addFiles(card, files);
    if (answer) {
      const total = picturesText(this.cards.get(name) ? this.cards.get(name).total : 0);
      status.textContent = tn("{n} into {name}; it has {pictures}.",
        "{n} into {name}; it has {pictures}.", answer.stored, { name, pictures: total });
    }
  }

  async deleteImage(card, imageId) {
    begin("delete");
    let ok = true;
    try {
      await deleteDatasetImage(this.id, imageId);
      byId("open-status").textContent = t("Deleted a picture of {name}.", { name: card.name });
      await this.refresh();
      const next = card.thumbs.querySelector("button") || card.inputs[0];
      next.focus();
    } catch (err) {
      ok = false;
      card.failed(err.message);
    } finally {
      end("delete", ok);
    }
  }

  async deleteClass(card) {
    begin("delete");
    let ok = true;
    try {
      const { images } = await deleteDatasetClass(this.id, card.name);
      byId("open-status").textContent = tn("Deleted the class {name} and its {n} picture.",
        "Deleted the class {name} and its {n} pictures.", images, { name: card.name });
      await this.refresh();
      byId("class-name").focus();
    } catch (err) {
      ok = false;
      card.failed(err.message);
    } finally {
      end("delete", ok);
    }
  }

  bindDelete() {
    const ask = byId("delete-dataset");
    const box = byId("delete-confirm");
    const close = () => {
      box.hidden = true;
      ask.hidden = false;
      ask.focus();
    };
    ask.addEventListener("click", () => {
      byId("delete-question").textContent = tn("Delete \u201c{name}\u201d and its {n} picture? This cannot be undone.",
        "Delete \u201c{name}\u201d and its {n} pictures? This cannot be undone.",
        this.dataset.total, { name: this.dataset.name });
      ask.hidden = true;
      box.hidden = false;
      byId("delete-no").focus();
    });
    byId("delete-no").addEventListener("click", close);
    box.addEventListener("keydown", (event) => {
      if (event.key === "Escape") close();
    });
    byId("delete-yes").addEventListener("click", () => this.deleteIt());
  }

  async deleteIt() {
    begin("delete");
    let ok = true;
    const { name } = this.dataset;
    try {
      await deleteDataset(this.id);
      this.reset(null);
      delete document.body.dataset.open;
      byId("open-view").hidden = true;
      byId("open-none").textContent = t("Deleted \u201c{name}\u201d. Create a dataset, or open one of yours.", { name });
      this.on.deleted();
    } catch (err) {
      ok = false;
      byId("open-status").textContent = t("Not deleted: {error}", { error: err.message });
    } finally {
      end("delete", ok);
    }
  }
}
