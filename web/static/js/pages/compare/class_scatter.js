// The teacher's view of a room: one setting of every class run (the learning rate first, on
// a logarithmic axis) against its final accuracy, each point labelled with who ran it, and
// the same numbers as a table beside it. Runs chosen for the comparison wear their marker.

import { t, tx } from "../../i18n.js";
import { byId, h, svg } from "../../ui/dom.js";
import {
  accuracySource, NONE, numericKeys, percent, settingName, settingValue,
} from "./compare_format.js";
import { SCATTER_DEFAULT } from "./compare_state.js";
import { marker, swatch } from "./swatch.js";

const WIDTH = 600;
const HEIGHT = 330;
const BOX = { left: 58, right: 110, top: 14, bottom: 46 };
const INK = "#56B4E9";

/** A log axis for a learning rate, or for positive values spanning 100 times or more. */
export function useLog(key, values) {
  if (!values.length || values.some((v) => v <= 0)) return false;
  return key.endsWith("learning_rate") || Math.max(...values) / Math.min(...values) >= 100;
}

/** {at(v) -> 0..1, lo, hi, log}: lo and hi in log10 units on a log axis, padded 5%. */
export function scaleOf(values, log) {
  const read = (v) => (log ? Math.log10(v) : v);
  let lo = Math.min(...values.map(read));
  let hi = Math.max(...values.map(read));
  if (lo === hi) {
    lo -= 0.5;
    hi += 0.5;
  }
  const pad = (hi - lo) * 0.05;
  lo -= pad;
  hi += pad;
  return { at: (v) => (read(v) - lo) / (hi - lo), lo, hi, log };
}

/** Decades (with 2 and 5 between when the axis spans few) on a log axis; round steps on a
 * linear one. */
export function ticksOf(scale) {
  const out = [];
  if (scale.log) {
    const between = scale.hi - scale.lo < 2.5 ? [1, 2, 5] : [1];
    for (let e = Math.floor(scale.lo); e <= Math.ceil(scale.hi); e += 1) {
      for (const m of between) {
        const p = Math.log10(m) + e;
        if (p >= scale.lo && p <= scale.hi) out.push(Number((m * 10 ** e).toPrecision(6)));
      }
    }
    return out;
  }
  const span = scale.hi - scale.lo;
  const unit = 10 ** Math.floor(Math.log10(span / 5));
  const step = [1, 2, 5, 10].map((m) => m * unit).find((s) => span / s <= 7);
  for (let v = Math.ceil(scale.lo / step) * step; v <= scale.hi; v += step) {
    out.push(Number(v.toPrecision(6)));
  }
  return out;
}

const STATUS = {
  queued: t("queued"), running: t("running"), paused: t("paused"), finished: t("finished"),
  stopped: t("stopped"), failed: t("failed"),
};

function whoOf(run) {
  return run.who && !run.who.teacher ? run.who.name : t("Teacher");
}

function axes(xScale, place, key) {
  const bottom = HEIGHT - BOX.bottom;
  const parts = [svg("line", { x1: BOX.left, y1: bottom, x2: WIDTH - BOX.right, y2: bottom,
    class: "axis" }), svg("line", { x1: BOX.left, y1: BOX.top, x2: BOX.left, y2: bottom,
    class: "axis" })];
  for (const v of ticksOf(xScale)) {
    const x = place.x(v);
    parts.push(svg("line", { x1: x, y1: bottom, x2: x, y2: bottom + 5, class: "axis" }),
      svg("text", { x, y: bottom + 18, "text-anchor": "middle", class: "tick" }, String(v)));
  }
  for (let a = 0; a <= 100; a += 20) {
    const y = place.y(a / 100);
    parts.push(svg("line", { x1: BOX.left, y1: y, x2: WIDTH - BOX.right, y2: y, class: "grid" }),
      svg("text", { x: BOX.left - 6, y: y + 4, "text-anchor": "end", class: "tick" }, `${a}%`));
  }
  parts.push(svg("text", { x: (BOX.left + WIDTH - BOX.right) / 2, y: HEIGHT - 6,
    "text-anchor": "middle", class: "axis-label" },
  xScale.log ? t("{setting} (log scale)", { setting: settingName(key) }) : settingName(key)),
  svg("text", { x: 14, y: (BOX.top + bottom) / 2, "text-anchor": "middle", class: "axis-label",
    transform: `rotate(-90 14 ${(BOX.top + bottom) / 2})` }, t("final accuracy")));
  return parts;
}

function chart(placed, key, chosen) {
  const values = placed.map((r) => r.settings[key]);
  const xScale = scaleOf(values, useLog(key, values));
  const place = {
    x: (v) => BOX.left + xScale.at(v) * (WIDTH - BOX.left - BOX.right),
    y: (a) => HEIGHT - BOX.bottom - a * (HEIGHT - BOX.top - BOX.bottom),
  };
  const points = placed.map((run) => {
    const x = place.x(run.settings[key]);
    const y = place.y(run.final.accuracy_of_run);
    const index = chosen.indexOf(run.id);
    return svg("g", { class: "point", "data-run": run.id },
      svg("title", {}, t("{who}: {value}, {accuracy}", { who: whoOf(run),
        value: settingValue(run.settings[key]), accuracy: percent(run.final.accuracy_of_run) })),
      index >= 0 ? marker(index, x, y, 6)
        : svg("circle", { cx: x, cy: y, r: 5, fill: INK, stroke: "#000", "stroke-width": 1 }),
      svg("text", { x: x + 8, y: y + 4, class: "point-label" }, whoOf(run)));
  });
  return { node: svg("svg", { class: "scatter-svg", viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    width: WIDTH, height: HEIGHT, role: "img", "aria-labelledby": "scatter-text" },
  ...axes(xScale, place, key), ...points), log: xScale.log };
}

function table(runs, key, chosen) {
  const sorted = [...runs].sort((a, b) => (a.settings[key] ?? Infinity) - (b.settings[key]
    ?? Infinity));
  return h("table", { class: "compare-table class-table" },
    h("caption", {}, t("The class's runs")),
    h("thead", {}, h("tr", {}, [t("Who"), t("Network"), settingName(key), t("Final accuracy"),
      t("Status")].map((name) => h("th", { scope: "col" }, name)))),
    h("tbody", {}, sorted.map((run) => h("tr", { dataset: { run: run.id } },
      h("th", { scope: "row" }, chosen.includes(run.id) ? swatch(chosen.indexOf(run.id)) : null,
        whoOf(run)),
      h("td", {}, tx(run.network)), h("td", {}, settingValue(run.settings[key])),
      h("td", {}, run.final.accuracy_of_run === null ? NONE : t("{accuracy} ({source})", {
        accuracy: percent(run.final.accuracy_of_run),
        source: accuracySource(run.final.accuracy_source) })),
      h("td", {}, STATUS[run.status] || run.status)))));
}

export class ClassScatter {
  constructor(onPick) {
    this.select = byId("scatter-x");
    this.select.addEventListener("change", () => onPick(this.select.value));
  }

  /** answer: GET /api/rooms/{code}/runs; key: the setting across (the learning rate when the
   * runs have no such number); chosen: the compared runs' ids. */
  show(answer, key, chosen) {
    const runs = answer.runs;
    const keys = numericKeys(runs, answer.settings);
    if (!keys.includes(key)) key = keys.includes(SCATTER_DEFAULT) ? SCATTER_DEFAULT : keys[0];
    this.select.replaceChildren(...keys.map((k) => h("option", { value: k, selected: k === key },
      settingName(k))));
    const placed = runs.filter((r) => typeof r.settings[key] === "number"
      && typeof r.final.accuracy_of_run === "number");
    const figure = byId("scatter");
    const text = byId("scatter-text");
    if (!placed.length) {
      figure.replaceChildren();
      text.textContent = runs.length ? t("No run of the class has a final accuracy yet.")
        : t("No runs in this room yet: students' runs appear here once they train after joining.");
    } else {
      const drawn = chart(placed, key, chosen);
      figure.replaceChildren(drawn.node);
      const left = runs.length - placed.length;
      const values = { shown: placed.length, total: runs.length, setting: settingName(key), left };
      const sentence = drawn.log
        ? t("{shown} of {total} runs: {setting} against final accuracy, on a logarithmic axis.",
          values)
        : t("{shown} of {total} runs: {setting} against final accuracy.", values);
      const rest = t("{left} without a final accuracy yet are in the table.", values);
      text.textContent = left ? `${sentence} ${rest}` : sentence;
    }
    figure.dataset.points = String(placed.length);
    byId("class-table").replaceChildren(table(runs, key, chosen));
  }
}
