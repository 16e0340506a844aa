// NMS step by step on a scene's proposed boxes: the thresholds are sliders, each step keeps
// the best box still standing and removes its same-class near-duplicates. The canvas and
// the table show every box's state after the steps taken so far.

import { suppress } from "../../api_detection.js";
import { formatNumber, lang, t, tn } from "../../i18n.js";
import { byId, h } from "../../ui/dom.js";
import { begin, end } from "../../ui/status.js";
import { SceneCanvas, colourOf } from "./scene_canvas.js";

export class NmsSteps {
  constructor(onError) {
    this.view = new SceneCanvas(byId("nms-canvas"));
    this.onError = onError;
    this.scene = null;
    this.answer = null;
    this.taken = 0;
    this.asked = 0;
    for (const id of ["nms-iou", "nms-score"]) {
      byId(id).addEventListener("input", () => {
        byId(`${id}-value`).textContent = formatNumber(Number(byId(id).value));
        this.run();
      });
    }
    byId("nms-step").addEventListener("click", () => this.go(this.taken + 1));
    byId("nms-back").addEventListener("click", () => this.go(this.taken - 1));
    byId("nms-all").addEventListener("click", () => this.go(Infinity));
    byId("nms-reset").addEventListener("click", () => this.go(0));
  }

  /** from: where the boxes come from, "proposals" or "detector" (said in the status). */
  show(scene, picture, from = "proposals") {
    this.scene = scene;
    this.picture = picture;
    this.from = from;
    byId("nms-canvas").dataset.source = from;
    return this.run();
  }

  async run() {
    if (!this.scene) return; // no scene yet: the sliders wait for one
    this.asked += 1;
    const mine = this.asked;
    const { boxes, scores, classes } = this.scene.proposals;
    begin("nms");
    let ok = true;
    try {
      const answer = await suppress({ boxes, scores, classes,
        iou_threshold: Number(byId("nms-iou").value),
        score_threshold: Number(byId("nms-score").value) });
      if (mine !== this.asked) return;
      this.answer = answer;
      this.go(0);
    } catch (err) {
      ok = false;
      this.onError(err);
    } finally {
      if (mine === this.asked) end("nms", ok);
    }
  }

  go(taken) {
    if (!this.answer) return; // before the first answer (or after a failed one)
    const total = this.answer.steps.length;
    this.taken = Math.min(Math.max(taken, 0), total);
    byId("nms-back").disabled = this.taken === 0;
    byId("nms-step").disabled = this.taken === total;
    byId("nms-all").disabled = this.taken === total;
    byId("nms-canvas").dataset.step = String(this.taken);
    const states = this.states();
    this.draw(states);
    this.table(states);
    const { boxes } = this.scene.proposals;
    const status = byId("nms-status");
    if (this.taken === 0) {
      const p = { n: boxes.length, dropped: this.answer.dropped.length };
      const proposed = this.from === "proposals"
        ? t("{n} boxes proposed; {dropped} score below the threshold and are dropped.", p)
        : t("{n} the detector's boxes before NMS; {dropped} score below the threshold and are dropped.", p);
      const toGo = tn("{n} step to go: press Next step.", "{n} steps to go: press Next step.",
        total);
      status.textContent = `${proposed} ${toGo}`;
    } else {
      const step = this.answer.steps[this.taken - 1];
      const done = t("Done: {kept} of {n} boxes kept.", { kept: total, n: boxes.length });
      status.textContent = t("Step {n} of {total}: {text}.", { n: this.taken, total,
        text: this.stepText(step) }) + (this.taken === total ? ` ${done}` : "");
    }
  }

  /** The server's step ("keep box 3 (score 0.9, class 1); remove box 5 (IoU 0.71 > 0.5)"),
   * written again from its numbers in another language. */
  stepText(step) {
    if (lang === "en") return step.text;
    const threshold = formatNumber(Number(byId("nms-iou").value));
    const score = formatNumber(step.score, { maximumSignificantDigits: 6 });
    const kept = step.class === null || step.class === undefined
      ? t("keep box {box} (score {score})", { box: String(step.kept), score })
      : t("keep box {box} (score {score}, class {class})", { box: String(step.kept), score,
        class: String(step.class) });
    if (!step.removed.length) return kept;
    const removed = step.removed.map(({ index, iou }) => t("box {box} (IoU {iou} > {threshold})",
      { box: String(index), iou: formatNumber(iou, { maximumSignificantDigits: 4 }), threshold }));
    const remove = t("remove {boxes}", { boxes: removed.join(", ") });
    return `${kept}; ${remove}`;
  }

  /** index -> {kind: waiting | kept | current | removed | dropped, text}. */
  states() {
    const { boxes } = this.scene.proposals;
    const states = boxes.map(() => ({ kind: "waiting", text: t("waiting") }));
    const threshold = formatNumber(Number(byId("nms-score").value));
    for (const i of this.answer.dropped) {
      states[i] = { kind: "dropped", text: t("dropped (score below {threshold})", { threshold }) };
    }
    this.answer.steps.slice(0, this.taken).forEach((step, n) => {
      const current = n === this.taken - 1;
      states[step.kept] = { kind: current ? "current" : "kept",
        text: t("kept (step {n})", { n: n + 1 }) };
      for (const { index, iou } of step.removed) {
        states[index] = { kind: "removed", text: t("removed by box {box} (IoU {iou} > {threshold})",
          { box: String(step.kept), iou: fixed(iou, 2), threshold: formatNumber(Number(byId("nms-iou").value)) }) };
      }
    });
    return states;
  }

  draw(states) {
    const { view, scene } = this;
    const { boxes, scores, classes } = scene.proposals;
    view.picture(this.picture, scene.size);
    const order = boxes.map((_, i) => i).sort((i, j) => scores[i] - scores[j]);
    for (const i of order) {
      const { kind } = states[i];
      if (kind === "dropped") continue;
      if (kind === "removed") {
        view.box(boxes[i], "#9a9a9a", { dashed: true, width: 1 });
      } else if (kind === "waiting") {
        view.box(boxes[i], colourOf(classes[i]), { width: 1 });
      }
    }
    for (const i of order) {
      const { kind } = states[i];
      if (kind !== "kept" && kind !== "current") continue;
      view.box(boxes[i], colourOf(classes[i]), {
        width: kind === "current" ? 4 : 2.5,
        label: `${classes[i]} ${fixed(scores[i], 2)}` });
    }
  }

  table(states) {
    const { boxes, scores, classes } = this.scene.proposals;
    const order = boxes.map((_, i) => i).sort((i, j) => scores[j] - scores[i] || i - j);
    byId("nms-body").replaceChildren(...order.map((i) => h("tr",
      { class: `nms-${states[i].kind}`, dataset: { box: String(i), state: states[i].kind } },
      h("td", {}, String(i)),
      h("td", {}, h("span", { class: "swatch", style: `background:${colourOf(classes[i])}` }),
        String(classes[i])),
      h("td", {}, fixed(scores[i], 3)), h("td", {}, states[i].text))));
  }
}

/** x with `digits` decimals, in the page's language ("0,50" in pt-BR). */
export function fixed(x, digits) {
  return formatNumber(x, { minimumFractionDigits: digits, maximumFractionDigits: digits,
    useGrouping: false });
}
