// The Compare page's pure parts: the view in the address round-trips, runs are ticked in
// order up to 6, curves line up on one axis, and the scatter's axes.

import assert from "node:assert/strict";
import { test } from "node:test";

import { scaleOf, ticksOf, useLog } from "../static/js/pages/compare/class_scatter.js";
import {
  numericKeys, runLabel, SERIES, settingValue, shapePoints,
} from "../static/js/pages/compare/compare_format.js";
import {
  defaultView, MAX_RUNS, parseView, serializeView, toggleRun,
} from "../static/js/pages/compare/compare_state.js";
import { chartData, runsDrawn } from "../static/js/pages/compare/curve_data.js";

const VIEWS = [
  defaultView(),
  { runs: ["run-0123456789ab", "run-ba9876543210"], x: "step", curves: ["validation"],
    room: null, scatter: null },
  { runs: ["run-a", "run-b", "run-c", "run-d", "run-e", "run-f"], x: "epoch", curves: [],
    room: null, scatter: null },
  { runs: ["run-a", "run-b", "run-c"], x: "epoch", curves: ["training", "validation"],
    room: "K7MNPQ", scatter: "training.batch_size" },
  { ...defaultView("ACDEFH"), runs: ["run-x"] },
];

test("a view round-trips through its address, and the address through the view", () => {
  for (const view of VIEWS) {
    const search = serializeView(view);
    const { view: back, problems } = parseView(search);
    assert.deepEqual(back, view, search);
    assert.deepEqual(problems, [], search);
    assert.equal(serializeView(back), search);
  }
  assert.equal(serializeView(VIEWS[3]),
    "?runs=run-a,run-b,run-c&x=epoch&curves=training,validation&room=K7MNPQ"
    + "&scatter=training.batch_size");
});

test("random views round-trip too", () => {
  let seed = 7;
  const random = (n) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  for (let i = 0; i < 200; i += 1) {
    const runs = [...new Set(Array.from({ length: random(MAX_RUNS + 1) },
      () => `run-${random(1e6).toString(16)}`))];
    const room = random(2) ? "K7MNPQ" : null;
    const view = { runs, x: ["epoch", "step"][random(2)],
      curves: [["training"], ["validation"], ["training", "validation"], []][random(4)],
      room, scatter: room ? ["training.learning_rate", "network.params"][random(2)] : null };
    assert.deepEqual(parseView(serializeView(view)).view, view);
  }
});

test("an address the page did not write opens what can be used and says what cannot", () => {
  const bad = parseView("?runs=run-a,run-a,<b>,run-b,run-c,run-d,run-e,run-f,run-g&x=time"
    + "&curves=training,weights&room=K7M-npq&scatter=drop table");
  assert.deepEqual(bad.view.runs, ["run-a", "run-b", "run-c", "run-d", "run-e", "run-f"]);
  assert.equal(bad.view.x, "epoch");
  assert.deepEqual(bad.view.curves, ["training"]);
  assert.equal(bad.view.room, "K7MNPQ");
  assert.equal(bad.view.scatter, "training.learning_rate");
  assert.equal(bad.problems.length, 5);
  assert.match(bad.problems[1], /names 7 runs; at most 6/);
  assert.deepEqual(parseView("").view, defaultView());
  assert.equal(parseView("?room=OOOOOO").view.room, null);
});

test("runs are ticked in order, up to six, and unticked", () => {
  let view = defaultView();
  for (const id of ["a", "b", "c", "d", "e", "f"]) view = toggleRun(view, id, true).view;
  assert.deepEqual(view.runs, ["a", "b", "c", "d", "e", "f"]);
  const seventh = toggleRun(view, "g", true);
  assert.match(seventh.error, /At most 6 runs/);
  assert.equal(seventh.view, view);
  view = toggleRun(view, "b", false).view;
  assert.deepEqual(toggleRun(view, "g", true).view.runs, ["a", "c", "d", "e", "f", "g"]);
  assert.equal(toggleRun(view, "a", true).view, view);
});

const RUN = (id, spe, losses) => ({
  id, network: "custom network", who: null,
  curves: { steps_per_epoch: spe,
    steps: losses.map((loss, i) => ({ step: (i + 1) * 5, progress: ((i + 1) * 5) / spe,
      loss, accuracy: 1 - loss })),
    epochs: [{ epoch: 1, step: spe, val_loss: losses.at(-1), val_accuracy: 0.5 }] },
});

test("curves of several runs share one x axis", () => {
  const runs = [RUN("run-1", 10, [2, 1]), RUN("run-2", 20, [3, 2, 1.5, 1])];
  const byStep = chartData(runs, { x: "step", curves: ["training", "validation"] }, "loss");
  assert.deepEqual(byStep.data[0], [5, 10, 15, 20]);
  assert.deepEqual(byStep.data.slice(1), [[2, 1, null, null], [null, 1, null, null],
    [3, 2, 1.5, 1], [null, null, null, 1]]);
  assert.deepEqual(byStep.lines.map((l) => [l.index, l.kind, l.count]),
    [[0, "training", 2], [0, "validation", 1], [1, "training", 4], [1, "validation", 1]]);
  const byEpoch = chartData(runs, { x: "epoch", curves: ["training"] }, "accuracy");
  assert.deepEqual(byEpoch.data[0], [0.25, 0.5, 0.75, 1]);
  assert.equal(runsDrawn(byEpoch.lines), 2);
  const detection = { ...RUN("run-3", 10, [2, 1]) };
  detection.curves.steps.forEach((s) => { s.accuracy = null; });
  detection.curves.epochs[0].val_accuracy = null;
  assert.equal(runsDrawn(chartData([detection], { x: "step", curves: ["training",
    "validation"] }, "accuracy").lines), 0);
});

test("six runs get six colours, line patterns and markers", () => {
  assert.equal(SERIES.length, MAX_RUNS);
  for (const key of ["colour", "shape", "pattern"]) {
    assert.equal(new Set(SERIES.map((s) => s[key])).size, MAX_RUNS, key);
  }
  assert.equal(new Set(SERIES.map((s) => s.dash.join(","))).size, MAX_RUNS);
  assert.equal(shapePoints("circle", 0, 0, 1), null);
  assert.deepEqual(shapePoints("triangle", 10, 10, 2), [[10, 8], [12, 11.6], [8, 11.6]]);
});

test("settings, labels and the scatter's axes", () => {
  assert.equal(settingValue(true), "yes");
  assert.equal(settingValue(null), "\u2013");
  assert.equal(settingValue(123456), "123,456");
  assert.equal(settingValue(0.001), "0.001");
  assert.equal(runLabel({ id: "run-0123456789ab", network: "LeNet", who: { name: "Ada" } }),
    "Ada: LeNet, 012345");
  assert.equal(runLabel({ id: "run-0123456789ab", network: "LeNet", who: { teacher: true } }),
    "Teacher: LeNet, 012345");
  const runs = [{ settings: { "training.learning_rate": 0.1, "training.seed": 1, x: "a" } }];
  assert.deepEqual(numericKeys(runs, ["x", "training.seed", "training.learning_rate"]),
    ["training.learning_rate"]);
  assert.equal(useLog("training.learning_rate", [0.001, 0.003]), true);
  assert.equal(useLog("training.batch_size", [16, 64]), false);
  assert.equal(useLog("network.params", [100, 100000]), true);
  const log = scaleOf([0.0001, 0.1], true);
  assert.ok(Math.abs(log.at(0.0001) - 0.05 / 1.1) < 1e-9);
  assert.deepEqual(ticksOf(log), [0.0001, 0.001, 0.01, 0.1]);
  assert.deepEqual(ticksOf(scaleOf([0.001, 0.01], true)), [0.001, 0.002, 0.005, 0.01]);
  assert.deepEqual(ticksOf(scaleOf([16, 128], false)), [20, 40, 60, 80, 100, 120]);
  assert.ok(Math.abs(scaleOf([32], false).at(32) - 0.5) < 1e-9);
});
