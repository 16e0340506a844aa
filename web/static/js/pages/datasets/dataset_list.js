// "Your datasets": the session's own (kind "yours" in GET /api/datasets), each a button
// that opens it; the open one is marked with aria-current.

import { listDatasets } from "../../api.js";
import { t, tn } from "../../i18n.js";
import { byId, h } from "../../ui/dom.js";
import { picturesText } from "./class_card.js";

/** "12 pictures, 2 classes, 32 px, grayscale" (", with boxes" for a detection dataset). */
function listFacts(d) {
  const p = { pictures: picturesText(d.total), classes: tn("{n} class", "{n} classes",
    d.classes.length), size: d.input_shape[1] };
  const grey = d.input_shape[0] === 1;
  if (d.task === "detection") {
    return grey ? t("{pictures}, {classes}, {size} px, grayscale, with boxes", p)
      : t("{pictures}, {classes}, {size} px, colour, with boxes", p);
  }
  return grey ? t("{pictures}, {classes}, {size} px, grayscale", p)
    : t("{pictures}, {classes}, {size} px, colour", p);
}

export class DatasetList {
  constructor(onOpen) {
    this.onOpen = onOpen;
    this.current = null;
    this.items = [];
  }

  async refresh() {
    try {
      const { datasets } = await listDatasets();
      this.show(datasets);
    } catch {
      // the list stays as it was; the action that failed says why at its control
    }
  }

  show(datasets) {
    this.items = datasets.filter((d) => d.kind === "yours");
    byId("yours-empty").hidden = this.items.length > 0;
    byId("yours-list").replaceChildren(...this.items.map((d) => h("li", {},
      h("button", { type: "button", class: "secondary dataset-open", dataset: { id: d.id },
        "aria-current": d.id === this.current ? "true" : null,
        onclick: () => this.onOpen(d.id) }, d.title),
      h("span", { class: "hint" }, ` ${listFacts(d)}`))));
  }

  setCurrent(id) {
    this.current = id;
    for (const button of byId("yours-list").querySelectorAll("button")) {
      if (button.dataset.id === id) button.setAttribute("aria-current", "true");
      else button.removeAttribute("aria-current");
    }
  }
}
