// The Datasets page: create a dataset (or import a zip), list yours, open one (#open=<id>)
// to add classes and pictures (files, folders, the webcam), see its balance, preview it as
// the network sees it, delete mistakes, and train on it. body[data-state] ("busy", "idle",
// "error") and body[data-open] (the open dataset's id) are what tests wait on.

import { listDatasets } from "../../api.js";
import { createDataset } from "../../api_datasets.js";
import { t } from "../../i18n.js";
import { byId } from "../../ui/dom.js";
import { FieldErrors } from "../../ui/field_errors.js";
import { begin, end } from "../../ui/status.js";
import { DatasetList } from "./dataset_list.js";
import { OpenDataset } from "./open_dataset.js";
import { ZipImport } from "./zip_import.js";

const OPEN_HASH = /^#open=([\w.-]+)$/;

class DatasetsPage {
  constructor() {
    this.errors = new FieldErrors(byId("new-form"));
    this.list = new DatasetList((id) => this.open(id));
    this.view = new OpenDataset({
      changed: () => this.list.refresh(),
      deleted: () => this.closed(),
    });
    byId("new-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.create();
    });
    byId("zip-task").addEventListener("change", () => this.taskChanged());
    this.zip = new ZipImport(this.errors, () => this.readImport(), async (answer) => {
      await this.list.refresh();
      await this.open(answer.id, false);
    });
    window.addEventListener("hashchange", () => this.fromHash());
  }

  readSpec() {
    return {
      name: byId("new-name").value.trim() || t("My dataset"),
      size: Number(byId("new-size").value),
      channels: Number(byId("new-channels").value),
      fit: byId("new-fit").value,
    };
  }

  /** The import's fields: the form's, and what the zip holds. */
  readImport() {
    return { ...this.readSpec(), task: byId("zip-task").value };
  }

  /** Detection pictures are fitted into a square whose side is a multiple of 16; below 64
   * pixels a detector's grid is 2 or 3 cells across, so the form suggests 96. */
  taskChanged() {
    const boxes = byId("zip-task").value === "detection";
    byId("zip-hint").textContent = boxes
      ? t("Photos with a YOLO label file each (one line per object: class cx cy w h, as fractions of the photo), beside the photo or in labels/ next to images/ (the Ultralytics layout); classes.txt or data.yaml names the classes. Photos are fitted whole into the size above (a multiple of 16).")
      : t("One folder per class: cats/1.jpg, dogs/2.png (the layout of torchvision's ImageFolder). It uses the name, size, channels and fit above.");
    const size = byId("new-size");
    if (boxes && (Number(size.value) % 16 || Number(size.value) < 64)) size.value = "96";
  }

  async start(datasets) {
    this.list.show(datasets);
    await this.fromHash();
  }

  async fromHash() {
    const match = OPEN_HASH.exec(window.location.hash);
    if (match && decodeURIComponent(match[1]) !== this.view.id) {
      await this.open(decodeURIComponent(match[1]));
    }
  }

  async create() {
    this.errors.clear();
    begin("create");
    let ok = true;
    try {
      const answer = await createDataset(this.readSpec());
      await this.list.refresh();
      await this.open(answer.id);
      byId("class-name").focus();
    } catch (err) {
      ok = false;
      const placed = this.errors.show(err.detail || [{ loc: [], msg: err.message }]);
      const first = this.errors.shown[0];
      if (placed && first.control) first.control.focus();
    } finally {
      end("create", ok);
    }
  }

  /** Open a dataset of yours; focus its heading unless the caller keeps the focus. */
  async open(id, focus = true) {
    if (window.location.hash !== `#open=${encodeURIComponent(id)}`) {
      history.replaceState(null, "", `#open=${encodeURIComponent(id)}`);
    }
    const opened = await this.view.open(id);
    this.list.setCurrent(opened ? id : null);
    byId("open-none").hidden = opened;
    if (opened && focus) byId("open-heading").focus();
  }

  closed() {
    history.replaceState(null, "", window.location.pathname);
    byId("open-none").hidden = false;
    this.list.setCurrent(null);
    this.list.refresh();
    byId("new-name").focus();
  }
}

async function boot() {
  begin("boot");
  let ok = true;
  try {
    const { datasets } = await listDatasets();
    await new DatasetsPage().start(datasets);
  } catch (err) {
    ok = false;
    const node = byId("boot-error");
    node.hidden = false;
    node.textContent = t("The page could not load: {error}", { error: err.message });
  } finally {
    end("boot", ok);
  }
}

boot();
