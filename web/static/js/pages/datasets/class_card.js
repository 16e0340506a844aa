// One class of the open dataset: its count, a drop zone (files or a folder, or the two file
// inputs), its newest pictures each with a delete button, and what a drop stored and
// skipped, said at the drop zone. Kept across refreshes, so its messages stay.

import { localMessage } from "../../error_messages.js";
import { t, tn } from "../../i18n.js";
import { h } from "../../ui/dom.js";
import { confirmStep } from "./confirm.js";
import { addedText, droppedFiles } from "./files.js";

let counter = 0;

export function picturesText(n) {
  return tn("{n} picture", "{n} pictures", n);
}

export class ClassCard {
  /** actions: {addFiles(card, files), deleteImage(card, imageId), deleteClass(card)}. */
  constructor(name, actions) {
    counter += 1;
    const id = `class-${counter}`;
    this.name = name;
    this.actions = actions;
    this.count = h("p", { class: "class-count", id: `${id}-count` });
    this.status = h("p", { class: "hint", role: "status", "aria-live": "polite" });
    this.progress = h("progress", { max: 1, value: 0, hidden: true,
      "aria-label": t("Adding pictures to {name}", { name }) });
    this.skipped = h("div", { class: "skip-summary", "aria-live": "polite" });
    this.thumbs = h("ul", { class: "thumbs", "aria-label": t("Newest pictures of {name}", { name }) });
    const pick = h("input", { type: "file", id: `${id}-files`, multiple: true,
      accept: "image/*,.tif,.tiff", onchange: () => this.picked(pick) });
    const folder = h("input", { type: "file", id: `${id}-folder`, multiple: true,
      onchange: () => this.picked(folder) });
    folder.webkitdirectory = true;
    this.inputs = [pick, folder];
    this.zone = h("div", { class: "dropzone field class-drop", "aria-describedby": `${id}-drop` },
      h("p", { class: "dropzone-hint", id: `${id}-drop` },
        t("Drop pictures or a folder on this box to add them to {name}, or", { name })),
      h("label", { for: pick.id, class: "file-label" }, t("Choose pictures for {name}", { name })),
      pick,
      h("label", { for: folder.id, class: "file-label" }, t("Choose a folder for {name}", { name })),
      folder,
      this.progress, this.status, this.skipped);
    this.bindDrop();
    this.remove = h("button", { type: "button", class: "secondary",
      "aria-label": t("Delete the class {name}", { name }), onclick: () => confirmStep(this.remove,
        this.total === undefined ? t("Delete the class {name} and its pictures?", { name })
          : tn("Delete the class {name} and its {n} picture?",
            "Delete the class {name} and its {n} pictures?", this.total, { name }),
        () => this.actions.deleteClass(this)) }, t("Delete class"));
    this.node = h("li", { class: "class-card", dataset: { className: name } },
      h("div", { class: "class-head" }, h("h4", {}, name), this.count, this.remove),
      this.zone, this.thumbs);
  }

  bindDrop() {
    const zone = this.zone;
    const over = (event) => {
      event.preventDefault();
      zone.classList.add("dragging");
    };
    zone.addEventListener("dragenter", over);
    zone.addEventListener("dragover", over);
    zone.addEventListener("dragleave", () => zone.classList.remove("dragging"));
    zone.addEventListener("drop", async (event) => {
      event.preventDefault();
      zone.classList.remove("dragging");
      const files = await droppedFiles(event.dataTransfer);
      if (files.length) this.actions.addFiles(this, files);
    });
  }

  picked(input) {
    const files = [...input.files];
    input.value = "";
    if (files.length) this.actions.addFiles(this, files);
  }

  /** entry: {name, count, thumbnails: [{image_id, png}]} from GET /api/datasets/{id}. */
  update(entry) {
    this.total = entry.count;
    this.count.textContent = picturesText(entry.count);
    this.thumbs.replaceChildren(...entry.thumbnails.map((thumb, i) => {
      const label = t("{name} picture {n} (newest first)", { name: this.name, n: i + 1 });
      return h("li", { class: "thumb" },
        h("img", { src: thumb.png, alt: label, class: "pixelated",
          dataset: { imageId: thumb.image_id } }),
        h("button", { type: "button", class: "thumb-delete",
          "aria-label": t("Delete {picture}", { picture: label }), title: t("Delete this picture"),
          onclick: () => this.actions.deleteImage(this, thumb.image_id) }, "\u00d7"));
    }));
    if (entry.count > entry.thumbnails.length) {
      this.thumbs.append(h("li", { class: "hint more" },
        t("and {n} more", { n: entry.count - entry.thumbnails.length })));
    }
  }

  busy(on) {
    for (const input of this.inputs) input.disabled = on;
    this.progress.hidden = !on;
    if (on) {
      this.progress.value = 0;
      this.skipped.replaceChildren();
      this.zone.classList.remove("has-error");
    }
  }

  progressed(done, total) {
    this.progress.value = total ? done / total : 0;
    this.status.textContent = t("Adding {done} of {total}\u2026", { done: Math.round(done), total });
  }

  /** What an add stored and skipped: the skipped files with their reasons, as an alert. */
  reported(stored, skipped) {
    this.status.textContent = addedText(stored, skipped.length);
    this.skipped.replaceChildren(...skipped.length ? [skippedList(skipped)] : []);
    this.zone.classList.toggle("has-error", skipped.length > 0);
  }

  failed(message) {
    this.status.textContent = "";
    this.skipped.replaceChildren(h("p", { class: "field-error", role: "alert" }, message));
    this.zone.classList.add("has-error");
  }
}

/** The skipped files and why: "notes.txt: not an image...". */
export function skippedList(skipped, limit = 20) {
  const shown = skipped.slice(0, limit);
  return h("div", { class: "field-error", role: "alert" },
    h("p", {}, tn("Skipped {n} file:", "Skipped {n} files:", skipped.length)),
    h("ul", {}, shown.map((s) => h("li", {}, h("span", { class: "skip-file" }, s.file),
      `: ${reasonText(s)}`))),
    skipped.length > limit ? h("p", {}, t("and {n} more", { n: skipped.length - limit })) : null);
}

/** A skipped file's reason in the page's language (its type and ctx), else as sent. */
export function reasonText(skip) {
  if (!skip.type) return skip.reason;
  return localMessage({ loc: [], msg: skip.reason, type: skip.type, ctx: skip.ctx }) || skip.reason;
}
