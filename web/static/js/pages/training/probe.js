// Picking the probe image: a validation image by number (or from the samples panel), or an
// uploaded image (POST /api/images, then {"type": "probe", "image_id"} on the run socket).

import { uploadImage } from "../../api.js";
import { t } from "../../i18n.js";
import { byId } from "../../ui/dom.js";
import { FieldErrors } from "../../ui/field_errors.js";

export class ProbePicker {
  /** send(message): false when the socket is not connected. */
  constructor(send) {
    this.send = send;
    this.errors = new FieldErrors(byId("probe-pick"));
    this.status = byId("probe-status");
    this.image = byId("probe-image");
    this.known = new Map(); // validation index -> PNG data URL (from the samples event)
    byId("probe-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.pickIndex(Number(byId("probe-index").value));
    });
    byId("probe-upload").addEventListener("change", (event) => {
      const [file] = event.target.files;
      if (file) this.upload(file);
    });
    this.setEnabled(false);
  }

  setEnabled(enabled) {
    for (const id of ["probe-index", "probe-show", "probe-upload"]) byId(id).disabled = !enabled;
  }

  remember(samples) {
    for (const s of samples) this.known.set(s.index, s.png);
  }

  pickIndex(index) {
    this.errors.clear();
    if (!Number.isInteger(index) || index < 0) {
      this.errors.show([{ loc: ["index"], msg: t("Enter a whole number, 0 or more.") }]);
      return;
    }
    byId("probe-index").value = String(index);
    this.request({ type: "probe", index }, t("validation image {index}", { index: String(index) }));
  }

  async upload(file) {
    this.errors.clear();
    this.status.textContent = t("Uploading {file}\u2026", { file: file.name });
    try {
      const { image_id: imageId } = await uploadImage(file, () => {});
      this.uploadedUrl = URL.createObjectURL(file);
      this.request({ type: "probe", image_id: imageId }, file.name);
    } catch (err) {
      this.status.textContent = "";
      this.errors.show(err.detail.map((d) => ({ ...d, loc: ["image_id"] })));
    }
  }

  request(message, what) {
    this.status.textContent = this.send(message)
      ? t("Asked for {image}: it shows with the next snapshot of the network.", { image: what })
      : t("Not connected to the run: try again in a moment.");
  }

  /** A socket error (a probe index out of range, a run that no longer trains). */
  showError(detail) {
    this.status.textContent = "";
    const atIndex = (d) => (d.loc && d.loc[0] === "index") || /\bindex\b/.test(d.msg);
    this.errors.show(detail.map((d) => ({ ...d, loc: atIndex(d) ? ["index"] : ["probe"] })));
  }

  /** The prediction event says which probe is shown: show its picture when we have it. */
  shown(probe) {
    const url = probe.image_id ? this.uploadedUrl : this.known.get(probe.index);
    this.image.hidden = !url;
    if (url) {
      this.image.src = url;
      this.image.alt = probe.image_id ? t("The uploaded probe image")
        : t("Validation image {index}, the probe", { index: String(probe.index) });
    }
    const input = byId("probe-index");
    if (!probe.image_id && probe.index !== undefined && document.activeElement !== input) {
      input.value = probe.index;
    }
  }
}
