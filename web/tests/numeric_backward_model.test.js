// The backward tab's model: gradient shapes, entries in row-major order, the request part.

import assert from "node:assert/strict";
import { test } from "node:test";

import { BackwardModel, entryAt, entryWords, gradientShape }
  from "../static/js/pages/kernel_lab/numeric_backward_model.js";

const DIMS = { channels: 2, height: 3, width: 4, filters: 3, ksize: 2 };

test("each gradient has the shape of what it is the gradient of", () => {
  assert.deepEqual(gradientShape("input", DIMS), [2, 3, 4]);
  assert.deepEqual(gradientShape("kernel", DIMS), [3, 2, 2, 2]);
  assert.deepEqual(gradientShape("bias", DIMS), [3]);
});

test("every position maps to its own entry, row-major, and the ends are clamped", () => {
  const shape = gradientShape("kernel", DIMS);
  const seen = new Set();
  for (let p = 0; p < 24; p += 1) {
    const e = entryAt("kernel", shape, p);
    assert.equal(((e.kernel * 2 + e.channel) * 2 + e.row) * 2 + e.col, p);
    seen.add(JSON.stringify(e));
  }
  assert.equal(seen.size, 24);
  assert.deepEqual(entryAt("input", [2, 3, 4], 99), { of: "input", channel: 1, row: 2, col: 3 });
  assert.deepEqual(entryAt("bias", [3], -1), { of: "bias", kernel: 0 });
  assert.equal(entryWords(entryAt("input", [2, 3, 4], 5)), "channel 1, row 2, column 2");
});

test("dL/dY starts as ones, a target as zeros, and typed values survive a resize", () => {
  const model = new BackwardModel();
  model.fit([1, 2, 2]);
  assert.deepEqual(model.grids.output_grad, [[["1", "1"], ["1", "1"]]]);
  assert.deepEqual(model.grids.target, [[["0", "0"], ["0", "0"]]]);
  model.grids.output_grad[0][0][1] = "-3";
  model.fit([2, 2, 3]);
  assert.deepEqual(model.grids.output_grad, [[["1", "-3", "1"], ["1", "1", "1"]],
    [["1", "1", "1"], ["1", "1", "1"]]]);
  model.fill("2");
  assert.deepEqual(model.grids.output_grad[1], [["2", "2", "2"], ["2", "2", "2"]]);
});

test("the request part sends numbers, the entry to explain, and lr only with weights", () => {
  const model = new BackwardModel();
  model.fit([1, 1, 2]);
  model.grids.output_grad[0][0][0] = "x";
  const entry = entryAt("input", [1, 2, 2], 3);
  assert.deepEqual(model.body(entry, false), { output_grad: [[["x", 1]]], explain: entry,
    lr: 0.01 });
  assert.equal("lr" in model.body(entry, true), false);
  model.loss = "target";
  model.lr = " ";
  assert.deepEqual(model.body(entry, false), { target: [[[0, 0]]], explain: entry });
});
