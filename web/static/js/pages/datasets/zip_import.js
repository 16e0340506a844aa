// Import a zip of class folders: the upload's progress while it streams, then what was
// stored and what was skipped (each file with its reason), at the zip control.

import { importDatasetZip } from "../../api_datasets.js";
import { byId } from "../../ui/dom.js";
import { begin, end } from "../../ui/status.js";
import { skippedList } from "./class_card.js";

const FORM_FIELDS = ["name", "size", "channels", "fit", "task"];

export class ZipImport {
  /** readSpec(): the form's {name, size, channels, fit}; onDone(answer) opens it. */
  constructor(errors, readSpec, onDone) {
    this.errors = errors;
    this.readSpec = readSpec;
    this.onDone = onDone;
    this.input = byId("zip-input");
    this.progress = byId("zip-progress");
    this.status = byId("zip-status");
    this.summary = byId("zip-summary");
    byId("zip-import").addEventListener("click", () => this.run());
  }

  async run() {
    this.errors.clear();
    this.summary.replaceChildren();
    const [file] = this.input.files;
    if (!file) {
      this.errors.show([{ loc: ["file"], msg: "Choose a zip file first." }]);
      this.input.focus();
      return;
    }
    begin("zip");
    this.progress.hidden = false;
    this.progress.value = 0;
    this.status.textContent = `Uploading ${file.name}\u2026`;
    let ok = true;
    try {
      const answer = await importDatasetZip(file, this.readSpec(), (fraction) => {
        this.progress.value = fraction;
        this.status.textContent = fraction < 1
          ? `Uploading ${file.name}: ${Math.round(fraction * 100)}%`
          : "Uploaded; storing the pictures\u2026";
      });
      const classes = answer.classes.length;
      const boxes = answer.task === "detection"
        ? `, ${answer.classes.reduce((sum, c) => sum + c.boxes, 0)} boxes` : "";
      this.status.textContent = `Imported \u201c${answer.name}\u201d: stored ${answer.stored} `
        + `${answer.stored === 1 ? "picture" : "pictures"}${boxes} in ${classes} `
        + `${classes === 1 ? "class" : "classes"}${answer.skipped.length
          ? `; skipped ${answer.skipped.length}` : ""}.`;
      if (answer.skipped.length) this.summary.replaceChildren(skippedList(answer.skipped));
      this.input.value = "";
      await this.onDone(answer);
    } catch (err) {
      ok = false;
      this.status.textContent = "";
      const detail = err.detail || [{ loc: [], msg: err.message }];
      const own = (d) => FORM_FIELDS.includes((d.loc || [])[0]);
      this.errors.show(detail.map((d) => (own(d) ? d : { ...d, loc: ["file"] })));
    } finally {
      this.progress.hidden = true;
      end("zip", ok);
    }
  }
}
