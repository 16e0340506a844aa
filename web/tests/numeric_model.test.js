// Numeric mode's model: positions within the server's output shape and the request body.

import assert from "node:assert/strict";
import { test } from "node:test";

import { keyTarget, NumericModel, positionIn }
  from "../static/js/pages/kernel_lab/numeric_model.js";

test("every position of a [K, H, W] output maps to its own cell, row-major", () => {
  const shape = [2, 3, 4];
  const seen = new Set();
  for (let p = 0; p < 24; p += 1) {
    const { channel, row, col } = positionIn(shape, p);
    assert.equal((channel * 3 + row) * 4 + col, p);
    assert.ok(channel < 2 && row < 3 && col < 4);
    seen.add(`${channel},${row},${col}`);
  }
  assert.equal(seen.size, 24);
});

test("positions outside the output are clamped into it", () => {
  assert.deepEqual(positionIn([2, 3, 4], 99), { channel: 1, row: 2, col: 3 });
  assert.deepEqual(positionIn([2, 3, 4], -5), { channel: 0, row: 0, col: 0 });
  assert.deepEqual(positionIn([1, 1, 1], 7), { channel: 0, row: 0, col: 0 });
});

const EXAMPLE = { op: "cross_correlation", stride: 2, padding: "same", size: 2,
  input: [[[1, 2, 3], [4, 5, 6]]], kernels: [[[[1, 0], [0, -1]]]], bias: [0.5] };

test("the body sends numbers as numbers and keeps what does not parse as typed", () => {
  const model = new NumericModel();
  model.load(EXAMPLE);
  model.input[0][0][1] = "x";
  const body = model.body(null);
  assert.deepEqual(body.input, [[[1, "x", 3], [4, 5, 6]]]);
  assert.equal(body.padding, "same");
  assert.equal(body.stride, 2);
  assert.deepEqual(body.kernels, EXAMPLE.kernels);
  assert.deepEqual(body.bias, [0.5]);
  assert.equal("explain" in body, false, "no position: only the output size is asked for");
  assert.deepEqual(model.body({ channel: 0, row: 1, col: 0 }).explain,
    { channel: 0, row: 1, col: 0 });
});

test("pooling sends its window size and no kernels; an empty stride is left to the server", () => {
  const model = new NumericModel();
  model.load({ ...EXAMPLE, op: "max_pool", padding: 0 });
  model.stride = " ";
  const body = model.body(null);
  assert.equal(body.size, 2);
  assert.equal("kernels" in body || "bias" in body || "stride" in body, false);
  assert.deepEqual(model.window(), { kh: 2, kw: 2, d: 1 });
});

test("resizing keeps every value that still has a place", () => {
  const model = new NumericModel();
  model.load(EXAMPLE);
  model.resize({ channels: 2, height: 1, width: 4, filters: 2, ksize: 1 });
  assert.deepEqual(model.input, [[["1", "2", "3", "0"]], [["0", "0", "0", "0"]]]);
  assert.deepEqual(model.kernels, [[[["1"]], [["0"]]], [[["0"]], [["0"]]]]);
  assert.deepEqual(model.bias, ["0.5", "0"]);
  assert.deepEqual(model.dims(), { channels: 2, height: 1, width: 4, filters: 2, ksize: 1 });
});

test("arrow keys move by one or by a row, Home and End go to the ends, others do nothing", () => {
  assert.equal(keyTarget("ArrowRight", 4, 3, 9), 5);
  assert.equal(keyTarget("ArrowLeft", 4, 3, 9), 3);
  assert.equal(keyTarget("ArrowDown", 4, 3, 9), 7);
  assert.equal(keyTarget("ArrowUp", 4, 3, 9), 1);
  assert.equal(keyTarget("Home", 4, 3, 9), 0);
  assert.equal(keyTarget("End", 4, 3, 9), 8);
  assert.equal(keyTarget("a", 4, 3, 9), null);
});

test("convolutions send their dilation and the window spreads its taps by it", () => {
  const model = new NumericModel();
  model.load({ ...EXAMPLE, padding: 0, dilation: 2 });
  assert.equal(model.body(null).dilation, 2);
  assert.deepEqual(model.window(), { kh: 2, kw: 2, d: 2 });
  model.dilation = "x";
  assert.equal(model.body(null).dilation, "x", "sent as typed: the server explains");
  assert.equal(model.window().d, 1);
});
