// The Kernel Lab's sentences written by the page (walk_text.js, grad_text.js) from the numbers
// the API answers: in English they equal the API's own texts (answers of POST /api/matrix
// below, trimmed to the fields used), and numbers follow Python's "g" format there.

import assert from "node:assert/strict";
import { test } from "node:test";

import { entryName, gradientRule, gradientSum } from "../static/js/pages/kernel_lab/grad_text.js";
import { pythonG } from "../static/js/pages/kernel_lab/numbers.js";
import { outputSize, outputText, pixelText } from "../static/js/pages/kernel_lab/walk_text.js";

const CONVOLUTION = {"output_shape": [1, 2, 2], "formula": "(3 - 2 + 2*1)/3 + 1 = 2", "padding": 1, "stride": 3, "dilation": 1, "input_size": [3, 3], "window": [2, 2], "explain": {"terms": [{"input": 0.0, "weight": 1.0}, {"input": 3.0, "weight": 0.125}, {"input": 0.0, "weight": 0.0}, {"input": 0.0, "weight": 1.0}], "bias": 0.5, "pre_activation": 0.875, "value": 0.875, "text": "0*1 + 3*0.125 + 0*0 + 0*1 + bias 0.5 = 0.875", "activation": null}, "grad_explain": {"of": "kernel", "index": [0, 0, 0, 1], "value": 0.0, "rule": "dL/dW[0][0][0][1] = sum over outputs (y, x) of X[0][3y][3x - 1] * dL/dZ[0][y][x] (convolution flips the kernel: w[0][1] sits at (1, 0) of the window)", "text": "0*1 + 0*2 + 0*0.5 + 0*1 = 0", "rule_params": {"kind": "kernel", "relu": false, "where": "X[0][3y][3x - 1]", "flip": [1, 0]}, "terms": [{"input": 0.0, "grad": 1.0}, {"input": 0.0, "grad": 2.0}, {"input": 0.0, "grad": 0.5}, {"input": 0.0, "grad": 1.0}]}};

const AVERAGE = {"text": "mean(2, 3, 5, 6) = 4", "value": 4.0, "terms": [{"input": 2.0}, {"input": 3.0}, {"input": 5.0}, {"input": 6.0}], "grad_explain": {"of": "input", "index": [0, 1, 1], "value": 1.125, "rule": "dL/dX[0][1][1] = sum over the windows that cover it of dL/dY / 4", "text": "1*1/4 + 2*1/4 + 0.5*1/4 + 1*1/4 = 1.125", "rule_params": {"kind": "avg_pool", "relu": false, "n": 4}, "terms": [{"grad": 1.0, "weight": 0.25}, {"grad": 2.0, "weight": 0.25}, {"grad": 0.5, "weight": 0.25}, {"grad": 1.0, "weight": 0.25}]}};

test("pythonG writes numbers as Python's format(v, '.Ng') does, ties to even", () => {
  const cases = [[0.875, 3, "0.875"], [120.5, 3, "120"], [121.5, 3, "122"], [1234.5, 4, "1234"],
    [12345.6, 4, "1.235e+04"], [0.00001234, 3, "1.23e-05"], [0.0001234, 3, "0.000123"],
    [-2.5e-7, 4, "-2.5e-07"], [99.96, 3, "100"]];
  for (const [value, digits, text] of cases) assert.equal(pythonG(value, digits), text, value);
});

test("the forward walk-through's sum and output size equal the API's text and formula", () => {
  assert.equal(outputText(CONVOLUTION.explain, "convolution"), CONVOLUTION.explain.text);
  assert.equal(outputSize(CONVOLUTION), `Output size: ${CONVOLUTION.formula}`);
  assert.equal(outputText(AVERAGE, "avg_pool"), AVERAGE.text);
});

test("a gradient entry's sum and rule equal the API's text and rule", () => {
  for (const { grad_explain: ex } of [CONVOLUTION, AVERAGE]) {
    assert.equal(gradientSum(ex), ex.text);
    assert.equal(gradientRule(ex), ex.rule);
    assert.equal(entryName(ex), ex.rule.split(" = ")[0]);
  }
});

test("a result pixel's sum is written term by term, channel by channel", () => {
  const info = { op: "linear", summed_over_channels: false, weights: [[[0.5, -1]]],
    channels: [{ name: "R", inputs: [[10, 20.25]], sum: -15.25 },
      { name: "G", inputs: [[2, 0]], sum: 1 }], value: [-15.25, 1] };
  assert.equal(pixelText(info), "R: 10*0.5 + 20.2*-1 = -15.2; G: 2*0.5 + 0*-1 = 1");
  const median = { op: "median", channels: [{ name: "gray", inputs: [[1, 2, 3], [4, 5, 6], [7, 8, 9]] }],
    value: [5] };
  assert.equal(pixelText(median), "median of the 3x3 neighbourhood = gray 5");
});
