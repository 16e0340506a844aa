// Where the photo comes from: drag and drop, the file chooser (with upload progress) or a
// built-in sample. Calls onSource(source, {width, height, title}) when one is ready;
// pickSample returns what onSource returns (the page's promise of the original shown).

import { uploadImage } from "../../api.js";
import { byId, h } from "../../ui/dom.js";
import { bindDropZone } from "../../ui/drop_zone.js";
import * as status from "../../ui/status.js";
import { t, tx } from "../../i18n.js";

export class ImageSource {
  constructor(samples, onSource, errors) {
    this.samples = samples;
    this.onSource = onSource;
    this.errors = errors; // FieldErrors for the image panel
    this.zone = byId("dropzone");
    this.input = byId("file-input");
    this.select = byId("sample-select");
    this.progress = byId("upload-progress");
    this.message = byId("upload-status");
    this.credit = byId("sample-credit");
    this.select.replaceChildren(...samples.map((s) => h("option", { value: s.name },
      t("{title} ({size})", { title: tx(s.title), size: `${s.width}x${s.height}` }))));
    this.select.addEventListener("change", () => this.pickSample(this.select.value));
    this.input.addEventListener("change", () => {
      if (this.input.files.length) this.upload(this.input.files[0]);
    });
    bindDropZone(this.zone, (file) => this.upload(file));
  }

  pickSample(name) {
    const sample = this.samples.find((s) => s.name === name) || this.samples[0];
    this.select.value = sample.name;
    this.errors.clear();
    status.clearError("upload");
    this.credit.textContent = t("{title}: {licence}, {source}.", { title: tx(sample.title),
      licence: tx(sample.licence), source: sample.source });
    return this.onSource({ sample: sample.name }, { width: sample.width, height: sample.height,
      title: sample.title });
  }

  async upload(file) {
    this.errors.clear();
    status.begin("upload");
    this.zone.setAttribute("aria-busy", "true");
    this.progress.hidden = false;
    this.progress.value = 0;
    this.message.textContent = t("Uploading {name}\u2026", { name: file.name });
    try {
      const info = await uploadImage(file, (fraction) => {
        this.progress.value = fraction;
        if (fraction >= 1) this.message.textContent = t("Decoding {name}\u2026", { name: file.name });
      });
      const params = { name: file.name, size: `${info.width}x${info.height}`,
        format: info.format };
      const text = info.channels === 1 ? t("{name}: {size}, grayscale {format}.", params)
        : t("{name}: {size}, colour {format}.", params);
      this.message.textContent = [text, ...info.notes.map(tx)].join(" ");
      this.credit.textContent = "";
      status.end("upload");
      this.onSource({ image_id: info.image_id }, { width: info.width, height: info.height,
        title: file.name });
    } catch (err) {
      this.message.textContent = "";
      this.errors.show(err.detail.map((d) => ({ ...d, loc: ["file"] })));
      status.end("upload", false);
    } finally {
      this.progress.hidden = true;
      this.zone.removeAttribute("aria-busy");
      this.input.value = "";
    }
  }
}
