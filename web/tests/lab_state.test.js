// The Kernel Lab's state (the pipeline) and the "follow me" snapshot read back from JSON.

import assert from "node:assert/strict";
import { test } from "node:test";

import { readSnapshot, snapshot } from "../static/js/pages/kernel_lab/follow/follow_state.js";
import { LabState } from "../static/js/pages/kernel_lab/lab_state.js";

const KERNELS = [
  { name: "sharpen", label: "Sharpen", kind: "linear", matrix: [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
    scale: null, params: {}, suggested_output: "clip" },
  { name: "sobel_x", label: "Sobel X", kind: "linear", matrix: [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]],
    scale: null, params: {}, suggested_output: "offset" },
  { name: "median", label: "Median", kind: "nonlinear", matrix: null, scale: null,
    params: { size: 5 }, suggested_output: "clip" },
];
const CATALOGUE = new Map(KERNELS.map((k) => [k.name, k]));
const choices = (...values) => values.map((value) => ({ value, label: value }));
// The parts of GET /api/kernels/vocabulary these modules read (smaller limits, to test them).
const VOCABULARY = {
  modes: choices("cross_correlation", "convolution"),
  padding_modes: choices("zero", "reflect", "none"),
  channel_modes: choices("separate", "grayscale", "sum"),
  output_mappings: choices("clip", "abs", "offset"),
  limits: { max_steps: 3, max_kernel: 4 },
  defaults: { mode: "cross_correlation", padding: "zero", padding_amount: "same", stride: 1,
    dilation: 1, channels: "separate", output: "clip" },
};

function lab() {
  return new LabState(CATALOGUE, "sharpen", VOCABULARY);
}

test("steps are added up to the limit, each a copy of the selected one", () => {
  const state = lab();
  state.update({ stride: "2" });
  for (let i = 0; i < 5; i += 1) state.add();
  assert.equal(state.steps.length, VOCABULARY.limits.max_steps);
  assert.equal(state.selected, 2);
  assert.ok(state.steps.every((s) => s.stride === "2"));
  state.steps[0].cells[0][0] = "9";
  assert.equal(state.steps[1].cells[0][0], "0", "copies do not share their cells");
});

test("moving and removing keep the selected step selected", () => {
  const state = lab();
  state.add();
  state.add(); // three steps, the last selected
  state.steps.forEach((s, i) => { s.stride = String(i + 1); });
  state.move(2, -1);
  assert.equal(state.selected, 1);
  assert.equal(state.current().stride, "3");
  state.move(0, -1); // nowhere to go
  assert.deepEqual(state.steps.map((s) => s.stride), ["1", "3", "2"]);
  state.remove(0);
  assert.equal(state.current().stride, "3");
  state.remove(0);
  state.remove(0); // the last step stays
  assert.equal(state.steps.length, 1);
});

test("picking a preset takes its suggested output; the spec lists every step", () => {
  const state = lab();
  state.pick(CATALOGUE.get("sobel_x"));
  assert.equal(state.output, "offset");
  state.add();
  assert.deepEqual(state.spec().steps.map((s) => s.kernel), ["sobel_x", "sobel_x"]);
  assert.deepEqual(state.labels(), ["Sobel X", "Sobel X"]);
});

test("a Gaussian larger than the largest kernel is not drawn", () => {
  const state = lab();
  const gaussian = { name: "gaussian", matrix: null, params: { size: "5", sigma: "1" } };
  assert.deepEqual(state.gaussianView(gaussian).grids, []);
  assert.equal(state.gaussianView({ ...gaussian, params: { size: "3", sigma: "1" } })
    .grids.length, 1);
});

test("a teacher's snapshot reads back as the same selections", () => {
  const state = lab();
  state.add();
  state.update({ padding: "reflect", stride: "2" }, true);
  state.output = "abs";
  const shared = readSnapshot(JSON.parse(JSON.stringify(snapshot({ state, pinned: { x: 3, y: 4 } }))),
    CATALOGUE, new Set(), VOCABULARY);
  assert.deepEqual(shared.steps.map((s) => [s.kernel, s.padding, s.stride]),
    [["sharpen", "zero", "1"], [null, "reflect", "2"]]);
  assert.deepEqual(shared.steps[1].cells, state.steps[1].cells);
  assert.equal(shared.output, "abs");
  assert.deepEqual(shared.pixel, { x: 3, y: 4 });
  assert.deepEqual(shared.source, { upload: "a photo" });
});

test("what another page sent is checked against the vocabulary", () => {
  const step = { kernel: "sharpen", mode: "convolution", padding: "circular", stride: 2 };
  const raw = { format: 1, steps: [step], channels: "rgb", output: "offset", selected: 5 };
  const shared = readSnapshot(raw, CATALOGUE, new Set(), VOCABULARY);
  assert.equal(shared.steps[0].mode, "convolution");
  assert.equal(shared.steps[0].padding, "zero", "not offered here: the default");
  assert.equal(shared.steps[0].stride, "2");
  assert.equal(shared.channels, "separate");
  assert.equal(shared.selected, 0);
  const read = (changes) => () => readSnapshot({ ...raw, ...changes }, CATALOGUE, new Set(),
    VOCABULARY);
  assert.throws(read({ format: 2 }), /another version/);
  assert.throws(read({ steps: [] }), /1 to 3 steps/);
  assert.throws(read({ steps: [step, step, step, step] }), /1 to 3 steps/);
  assert.throws(read({ steps: [{ kernel: "nope" }] }), /no kernel "nope"/);
  assert.throws(read({ steps: [{ kernel: null, cells: [["1", "2", "3", "4", "5"]] }] }),
    /grid of 1 to 4 rows/);
  assert.throws(read({ steps: [{ kernel: null, cells: [["1"], ["2", "3"]] }] }), /not a grid/);
});
