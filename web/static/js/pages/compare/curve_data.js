// The runs' curves on one x axis, as uPlot takes them: [xs, ys of line 1, ys of line 2...],
// nulls where a line has no point. Training points sit at the step they were taken, or at
// the epochs trained so far (a fraction); validation points at the end of their epoch.

import { CURVES } from "./compare_state.js";

const KEYS = {
  loss: { training: "loss", validation: "val_loss" },
  accuracy: { training: "accuracy", validation: "val_accuracy" },
};

const given = (v) => v !== null && v !== undefined && Number.isFinite(v);

function pointsOf(run, kind, metric, axis) {
  const key = KEYS[metric][kind];
  const kept = kind === "training" ? run.curves.steps : run.curves.epochs;
  return kept.map((p) => {
    let x = p.step;
    if (axis === "epoch") x = kind === "training" ? p.progress : p.epoch;
    return [x, p[key]];
  }).filter(([x, y]) => given(x) && given(y));
}

/** {data, lines}: lines[i] = {index (the run's place), kind, count (its points)} is drawn
 * from data[i + 1]. */
export function chartData(runs, view, metric) {
  const lines = [];
  runs.forEach((run, index) => {
    for (const kind of CURVES) {
      if (view.curves.includes(kind)) {
        lines.push({ index, kind, points: pointsOf(run, kind, metric, view.x) });
      }
    }
  });
  const xs = [...new Set(lines.flatMap((l) => l.points.map(([x]) => x)))].sort((a, b) => a - b);
  const column = new Map(xs.map((x, i) => [x, i]));
  const data = [xs, ...lines.map((line) => {
    const ys = new Array(xs.length).fill(null);
    for (const [x, y] of line.points) ys[column.get(x)] = y;
    return ys;
  })];
  return { data, lines: lines.map(({ index, kind, points }) => ({ index, kind,
    count: points.length })) };
}

/** How many runs have at least one point among the lines. */
export function runsDrawn(lines) {
  return new Set(lines.filter((l) => l.count > 0).map((l) => l.index)).size;
}
