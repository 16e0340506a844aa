// #from=<model_id> (where a classroom fork sends you): train a stored model further. Its
// network becomes the run's network, its dataset the run's dataset, and POST /api/runs gets
// "initial_model": id, so the run starts from its weights. A notice says so, with a way
// back to a network of your own.

import { getModel } from "../../api.js";
import { t, tn } from "../../i18n.js";
import { byId } from "../../ui/dom.js";
import { setFlag } from "./page_state.js";

export const FROM_HASH = /^#from=([\w.-]+)$/;

function trainedFor(manifest) {
  if (Number.isInteger(manifest.epoch)) return manifest.epoch;
  return Array.isArray(manifest.history) ? manifest.history.length : null;
}

export class ContinueFrom {
  /** source: NetworkSource; datasets: DatasetPicker; errors: the form's FieldErrors. */
  constructor(source, datasets, errors) {
    this.source = source;
    this.datasets = datasets;
    this.errors = errors;
    byId("from-clear").addEventListener("click", () => {
      this.source.dropModel();
      byId("source-model").focus();
    });
  }

  /** Fetch the model and make it the network; an unknown id is shown in the form. */
  async load(id) {
    try {
      const model = await getModel(id);
      const manifest = model.manifest || {};
      this.source.useModel({ id, name: model.name || id, spec: model.spec,
        dataset: model.dataset, epochs: trainedFor(manifest) });
      if (model.dataset) this.datasets.prefer(model.dataset);
      return true;
    } catch (err) {
      this.errors.show(err.detail.map((d) => ({ ...d, loc: ["initial_model"],
        msg: t("The model {id} to continue from could not be opened: {problem}",
          { id, problem: d.msg }) })));
      setFlag("error", true);
      return false;
    }
  }

  /** The notice above the form (NetworkSource's onModel). */
  shown(model) {
    byId("from-notice").hidden = !model;
    if (!model) return;
    const values = { name: model.name, dataset: model.dataset || t("its dataset") };
    byId("from-text").textContent = model.epochs ? tn(
      "Continuing from {name}: the new run starts from its trained weights after {n} epoch on {dataset}, with its network.",
      "Continuing from {name}: the new run starts from its trained weights after {n} epochs on {dataset}, with its network.",
      model.epochs, values)
      : t("Continuing from {name}: the new run starts from its trained weights on {dataset}, with its network.",
        values);
  }
}
