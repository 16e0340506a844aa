// The Kernel Lab's step model: text as typed -> the pipeline spec the server validates.

import assert from "node:assert/strict";
import { test } from "node:test";

import { checkSide } from "../static/js/pages/kernel_lab/kernel_grid.js";
import {
  defaultOptions, gaussianMatrix, isIncomplete, makeCustom, parseNumber, resizeGrid, stepFromPreset, stepIncomplete,
  stepLabel, stepSpec,
} from "../static/js/pages/kernel_lab/step_model.js";

const SOBEL = { name: "sobel_x", label: "Sobel X", kind: "linear", matrix: [[-1, 0, 1], [-2, 0, 2],
  [-1, 0, 1]], scale: null, params: {} };
const GAUSSIAN = { name: "gaussian", label: "Gaussian", kind: "linear", matrix: null, scale: null,
  params: { size: 5, sigma: 1 } };
const MEDIAN = { name: "median", label: "Median", kind: "nonlinear", matrix: null, scale: null,
  params: { size: 5 } };
const CATALOGUE = new Map([SOBEL, GAUSSIAN, MEDIAN].map((k) => [k.name, k]));
const OPTIONS = defaultOptions({ mode: "cross_correlation", padding: "zero", padding_amount: "same",
  stride: 1, dilation: 1, channels: "separate" });

test("the engine's defaults become the editor's text options", () => {
  assert.deepEqual(OPTIONS, { mode: "cross_correlation", padding: "zero", padding_amount: "same",
    stride: "1", dilation: "1" });
  assert.equal(defaultOptions({ ...OPTIONS, padding_amount: 2 }).padding_amount, "2");
});

test("numbers parse; anything else is sent as typed for the server to explain", () => {
  assert.equal(parseNumber(" -2 "), -2);
  assert.equal(parseNumber("1.5e3"), 1500);
  assert.equal(parseNumber(".5"), 0.5);
  assert.equal(parseNumber("1/9"), "1/9");
  assert.equal(parseNumber("abc"), "abc");
  assert.equal(parseNumber("1.2.3"), "1.2.3");
});

test("half-typed numbers are incomplete, finished ones are not", () => {
  for (const text of ["", " ", "-", "+", ".", "-.", "1e", "2.5E-"]) assert.ok(isIncomplete(text), text);
  for (const text of ["0", "-1", "1e3", "2.", "x", "1/9"]) assert.ok(!isIncomplete(text), text);
});

test("the Gaussian matches exp(-(x^2 + y^2) / 2 sigma^2), normalized", () => {
  const size = 7;
  const sigma = 1.3;
  const matrix = gaussianMatrix(size, sigma);
  const r = (size - 1) / 2;
  let total = 0;
  const raw = matrix.map((row, i) => row.map((_, j) => {
    const value = Math.exp(-((i - r) ** 2 + (j - r) ** 2) / (2 * sigma ** 2));
    total += value;
    return value;
  }));
  matrix.forEach((row, i) => row.forEach((value, j) => {
    assert.ok(Math.abs(value - raw[i][j] / total) < 1e-12, `${i},${j}`);
    assert.equal(value, matrix[j][i]); // symmetric
  }));
  assert.ok(Math.abs(matrix.flat().reduce((a, b) => a + b, 0) - 1) < 1e-12);
  assert.deepEqual(gaussianMatrix(1, 2), [[1]]);
});

test("resizing keeps the values that still have a place and fills new cells with 0", () => {
  const grid = [["1", "2"], ["3", "4"]];
  assert.deepEqual(resizeGrid(grid, 3, 1), [["1"], ["3"], ["0"]]);
  assert.deepEqual(resizeGrid(grid, 2, 3), [["1", "2", "0"], ["3", "4", "0"]]);
  assert.deepEqual(resizeGrid(undefined, 1, 2), [["0", "0"]]);
  assert.deepEqual(grid, [["1", "2"], ["3", "4"]], "the original is not changed");
});

test("a kernel side is checked in the server's words", () => {
  assert.equal(checkSide("3", "rows", 15), null);
  assert.equal(checkSide("15", "rows", 15), null);
  assert.match(checkSide("16", "rows", 15), /rows 16 is out of range.*largest kernel is 15x15/);
  assert.match(checkSide("0", "columns", 15), /columns 0 is out of range/);
  assert.match(checkSide("2.5", "rows", 15), /out of range/);
  assert.match(checkSide(" ", "rows", 15), /rows \(empty\)/);
});

test("a preset step becomes the spec the server wants", () => {
  const step = { ...stepFromPreset(SOBEL, OPTIONS), padding: "none", stride: "2", dilation: "1",
    padding_amount: "same" };
  assert.deepEqual(stepSpec(step, CATALOGUE), { kernel: "sobel_x", mode: "cross_correlation",
    padding: "none", padding_amount: "same", stride: 2, dilation: 1 });
  const median = stepSpec({ ...stepFromPreset(MEDIAN, OPTIONS), params: { size: "3" } }, CATALOGUE);
  assert.equal(median.mode, undefined, "non-linear filters have no operation");
  assert.deepEqual(median.params, { size: 3 });
});

test("editing a preset's weights makes a custom step that keeps the fraction as text", () => {
  const custom = { ...makeCustom(stepFromPreset(SOBEL, OPTIONS), CATALOGUE), scale: "1/4",
    padding_amount: "2" };
  assert.equal(custom.kernel, null);
  assert.equal(stepLabel(custom, CATALOGUE), "Custom 3x3 (from Sobel X)");
  const spec = stepSpec(custom, CATALOGUE);
  assert.deepEqual(spec.matrix, SOBEL.matrix);
  assert.equal(spec.scale, "1/4");
  assert.equal(spec.padding_amount, 2);
});

test("a custom Gaussian carries its sampled weights, rounded to 4 digits, scale 1", () => {
  const step = makeCustom({ ...stepFromPreset(GAUSSIAN, OPTIONS), params: { size: "3", sigma: "1" } },
    CATALOGUE);
  const expected = gaussianMatrix(3, 1).map((row) => row.map((v) => Number(v.toPrecision(4))));
  assert.deepEqual(step.cells.map((row) => row.map(Number)), expected);
  assert.equal(step.scale, "1");
  assert.deepEqual(step.params, {});
});

test("a half-typed value anywhere holds the request back", () => {
  const step = stepFromPreset(SOBEL, OPTIONS);
  assert.ok(!stepIncomplete(step));
  assert.ok(stepIncomplete({ ...step, stride: "" }));
  assert.ok(stepIncomplete({ ...step, padding_amount: "-" }));
  assert.ok(!stepIncomplete({ ...step, padding_amount: "same" }));
  const custom = makeCustom(step, CATALOGUE);
  custom.cells[1][1] = "1e";
  assert.ok(stepIncomplete(custom));
});
