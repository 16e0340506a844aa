// The other ways to give an image: a file (chooser or drag and drop) and a few test images
// of the model's dataset (buttons, so the keyboard can classify without drawing).

import { t } from "../../i18n.js";
import { byId, h } from "../../ui/dom.js";
import { bindDropZone } from "../../ui/drop_zone.js";
import { dataUrlBlob, testImages } from "../../api.js";

const TEST_IMAGES = 8;

export class FileInput {
  /** onFile(file) when one is chosen or dropped. */
  constructor(onFile) {
    this.zone = byId("dropzone");
    this.input = byId("file-input");
    this.status = byId("file-status");
    this.input.addEventListener("change", () => {
      if (this.input.files.length) onFile(this.input.files[0]);
    });
    bindDropZone(this.zone, onFile);
    // A file dropped anywhere else on the page is used too, instead of the browser
    // leaving the page to show it.
    window.addEventListener("dragover", (event) => event.preventDefault());
    window.addEventListener("drop", (event) => {
      event.preventDefault();
      const file = event.dataTransfer && event.dataTransfer.files[0];
      if (file && !this.zone.contains(event.target)) onFile(file);
    });
  }

  say(text) {
    this.status.textContent = text;
  }

  /** Choosing the same file again must fire `change` again. */
  reset() {
    this.input.value = "";
  }
}

export class TestImages {
  /** onPick(blob, name, truth) when a test image is chosen (truth: its class name). */
  constructor(onPick) {
    this.onPick = onPick;
    this.block = byId("samples-block");
    this.list = byId("samples-list");
    this.dataset = null;
    this.token = 0;
  }

  /** Show test images of the model's dataset (hidden when the server has none). */
  async show(model) {
    if (model.dataset === this.dataset) return;
    this.dataset = model.dataset;
    this.token += 1;
    const token = this.token;
    this.block.hidden = true;
    this.list.replaceChildren();
    if (!model.dataset) return;
    try {
      const { samples } = await testImages(model.dataset, TEST_IMAGES, 7);
      if (token !== this.token) return;
      this.list.replaceChildren(...samples.map((s) => this.item(s, model)));
      this.block.hidden = samples.length === 0;
    } catch {
      // a dataset this server does not have (a model trained elsewhere): no test images
    }
  }

  item(sample, model) {
    const name = `${model.dataset}-test-${sample.index}.png`;
    return h("li", {},
      h("button", {
        type: "button", class: "test-image", dataset: { label: sample.class_name },
        "aria-label": t("Test image {index}, a {label}",
          { index: String(sample.index), label: sample.class_name }),
        onclick: async () => this.onPick(await dataUrlBlob(sample.png), name, sample.class_name),
      }, h("img", { src: sample.png, alt: "", width: 28, height: 28 }),
      h("span", { "aria-hidden": "true" }, sample.class_name)));
  }
}
