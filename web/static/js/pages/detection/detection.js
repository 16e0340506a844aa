// The Detection Lab: the grid and a cell's label vector on a scene of mnist-detect or of a
// detection dataset of yours (?dataset=ds-... chooses it), the IoU playground, NMS step by
// step, the detector trained live, and a pad to draw digits on or open a photo.
// body[data-state] is what tests wait on; the shown scene's index is on
// #detection[data-scene] and its dataset on #detection[data-dataset].

import { listDatasets } from "../../api.js";
import { getScene } from "../../api_detection.js";
import { t } from "../../i18n.js";
import { byId, h } from "../../ui/dom.js";
import { FieldErrors } from "../../ui/field_errors.js";
import { begin, end } from "../../ui/status.js";
import { DrawPad } from "./draw_pad.js";
import { GridView } from "./grid_view.js";
import { IoUPlayground } from "./iou_playground.js";
import { LiveTraining } from "./live_training.js";
import { NmsSteps } from "./nms_steps.js";
import { loadPicture } from "./scene_canvas.js";

class DetectionPage {
  constructor() {
    this.errors = new FieldErrors(byId("scene-form"));
    this.grid = new GridView();
    this.nms = new NmsSteps((err) => this.fail(err));
    this.playground = new IoUPlayground();
    this.pad = new DrawPad();
    this.training = new LiveTraining((modelId) => this.pad.loadModels(modelId),
      async (scene, picture) => {
        await this.nms.show(scene, picture, "detector");
        byId("nms-heading").scrollIntoView({ block: "start" });
        byId("nms-step").focus();
      });
    byId("scene-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.load(byId("scene-index").value);
    });
    this.count = 1000;
    byId("scene-next").addEventListener("click", () => {
      const next = (Number(byId("detection").dataset.scene || 0) + 1) % this.count;
      byId("scene-index").value = String(next);
      this.load(next);
    });
    for (const id of ["scene-dataset", "scene-split"]) {
      byId(id).addEventListener("change", () => {
        byId("scene-index").value = "0";
        this.load(0, id === "scene-dataset");
      });
    }
  }

  get dataset() {
    return byId("scene-dataset").value;
  }

  /** Your detection datasets join mnist-detect in the menu; ?dataset= picks one. */
  async loadDatasets() {
    const wanted = new URLSearchParams(window.location.search).get("dataset");
    begin("datasets"); // the page is busy from the start: tests wait for the first scene
    try {
      const { datasets } = await listDatasets();
      const yours = datasets.filter((d) => d.kind === "yours" && d.task === "detection");
      byId("scene-dataset").append(...yours.map((d) => h("option", { value: d.name },
        t("{title} (yours: {classes})", { title: d.title,
          classes: d.classes.map((c) => c.name).join(", ") }))));
      if (wanted && yours.some((d) => d.name === wanted)) byId("scene-dataset").value = wanted;
    } catch (err) {
      this.fail(err);
    } finally {
      end("datasets");
    }
  }

  /** probe: the dataset changed, so the training view takes its held-out picture 0. */
  async load(index, probe = false) {
    this.errors.clear();
    byId("boot-error").hidden = true;
    if (!/^\d+$/.test(String(index).trim())) {
      this.errors.show([{ loc: ["index"], msg: t("scene {value} is not a whole number; give one from 0 to {last}", { value: JSON.stringify(String(index)), last: this.count - 1 }) }]);
      return;
    }
    begin("scene");
    this.asked = (this.asked || 0) + 1;
    const asked = this.asked;
    const { dataset } = this;
    const split = byId("scene-split").value;
    let ok = true;
    try {
      const scene = await getScene(split, Number(index), dataset);
      const picture = await loadPicture(scene.image);
      if (asked !== this.asked) return; // a newer scene was asked for meanwhile: it wins
      this.grid.show(scene, picture);
      await this.nms.show(scene, picture, "proposals");
      this.counted(scene.count);
      if (probe || !this.training.scene) {
        const held = split === "test" && scene.index === 0 ? scene
          : await getScene("test", 0, dataset);
        this.training.setScene(held, held === scene ? picture : await loadPicture(held.image),
          dataset);
      }
      byId("detection").dataset.scene = String(scene.index);
      byId("detection").dataset.dataset = dataset;
    } catch (err) {
      if (asked !== this.asked) return;
      ok = false;
      if (!this.errors.show((err.detail || []).map((d) => ({ ...d, loc: ["index"] })))) {
        this.fail(err);
      }
    } finally {
      if (asked === this.asked) end("scene", ok); // only the newest request ends the wait
    }
  }

  counted(count) {
    this.count = Math.max(count, 1);
    byId("scene-index").max = String(this.count - 1);
    byId("scene-index-label").textContent = t("Scene (0 to {last})", { last: this.count - 1 });
  }

  fail(err) {
    const box = byId("boot-error");
    box.textContent = err.message;
    box.hidden = false;
  }
}

const page = new DetectionPage();
await page.loadDatasets();
page.load(0);
page.pad.loadModels();
