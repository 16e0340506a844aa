// Import a zip of class folders: the upload's progress while it streams, then what was
// stored and what was skipped (each file with its reason), at the zip control.

import { importDatasetZip } from "../../api_datasets.js";
import { formatNumber, t, tn } from "../../i18n.js";
import { byId } from "../../ui/dom.js";
import { begin, end } from "../../ui/status.js";
import { skippedList } from "./class_card.js";

const FORM_FIELDS = ["name", "size", "channels", "fit", "task"];

/** "Imported "cats": stored 10 pictures in 2 classes; skipped 1." (with boxes: "stored 10
 * pictures, 24 boxes in 2 classes"). */
export function importedText(answer) {
  const p = { name: answer.name, pictures: tn("{n} picture", "{n} pictures", answer.stored),
    classes: tn("{n} class", "{n} classes", answer.classes.length),
    skipped: answer.skipped.length };
  if (answer.task === "detection") {
    p.boxes = tn("{n} box", "{n} boxes", answer.classes.reduce((sum, c) => sum + c.boxes, 0));
    return p.skipped
      ? t("Imported \u201c{name}\u201d: stored {pictures}, {boxes} in {classes}; skipped {skipped}.", p)
      : t("Imported \u201c{name}\u201d: stored {pictures}, {boxes} in {classes}.", p);
  }
  return p.skipped
    ? t("Imported \u201c{name}\u201d: stored {pictures} in {classes}; skipped {skipped}.", p)
    : t("Imported \u201c{name}\u201d: stored {pictures} in {classes}.", p);
}

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
      this.errors.show([{ loc: ["file"], msg: t("Choose a zip file first.") }]);
      this.input.focus();
      return;
    }
    begin("zip");
    this.progress.hidden = false;
    this.progress.value = 0;
    this.status.textContent = t("Uploading {file}\u2026", { file: file.name });
    let ok = true;
    try {
      const answer = await importDatasetZip(file, this.readSpec(), (fraction) => {
        this.progress.value = fraction;
        this.status.textContent = fraction < 1
          ? t("Uploading {file}: {percent}", { file: file.name,
            percent: formatNumber(fraction, { style: "percent", maximumFractionDigits: 0 }) })
          : t("Uploaded; storing the pictures\u2026");
      });
      this.status.textContent = importedText(answer);
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
