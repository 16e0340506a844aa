// The Detection Lab: the grid and a cell's label vector on an mnist-detect scene, the IoU
// playground, NMS step by step, the detector trained live, and a pad to draw digits on.
// body[data-state] is what tests wait on; the shown scene's index is on
// #detection[data-scene].

import { getScene } from "../../api_detection.js";
import { byId } from "../../ui/dom.js";
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
    this.training = new LiveTraining((modelId) => this.pad.loadModels(modelId));
    byId("scene-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.load(byId("scene-index").value);
    });
    byId("scene-next").addEventListener("click", () => {
      const next = (Number(byId("detection").dataset.scene || 0) + 1) % 1000;
      byId("scene-index").value = String(next);
      this.load(next);
    });
  }

  async load(index) {
    this.errors.clear();
    byId("boot-error").hidden = true;
    if (!/^\d+$/.test(String(index).trim())) {
      this.errors.show([{ loc: ["index"], msg: `scene ${JSON.stringify(String(index))} is not `
        + "a whole number; give one from 0 to 999" }]);
      return;
    }
    begin("scene");
    this.asked = (this.asked || 0) + 1;
    const asked = this.asked;
    let ok = true;
    try {
      const scene = await getScene("test", Number(index));
      const picture = await loadPicture(scene.image);
      if (asked !== this.asked) return; // a newer scene was asked for meanwhile: it wins
      this.grid.show(scene, picture);
      await this.nms.show(scene, picture);
      if (scene.index === 0 && !this.training.scene) this.training.setScene(scene, picture);
      byId("detection").dataset.scene = String(scene.index);
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

  fail(err) {
    const box = byId("boot-error");
    box.textContent = err.message;
    box.hidden = false;
  }
}

const page = new DetectionPage();
page.load(0);
page.pad.loadModels();
