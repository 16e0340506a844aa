// Colour maps: the LUTs of the Training and Classify maps and the Kernel Lab's weight colours.

import assert from "node:assert/strict";
import { test } from "node:test";

import { blockLut, cssColour, diverging, inkFor, viridis } from "../static/js/ui/colormaps.js";
import {
  largestMagnitude, weightColours,
} from "../static/js/pages/kernel_lab/weight_colours.js";

const entry = (lut, i) => [...lut.subarray(i * 3, i * 3 + 3)];

test("the LUTs run from their first stop to their last, 256 RGB entries each", () => {
  assert.equal(viridis.length, 768);
  assert.deepEqual(entry(viridis, 0), [0x44, 0x01, 0x54]);
  assert.deepEqual(entry(viridis, 255), [0xfd, 0xe7, 0x25]);
  assert.deepEqual(entry(diverging, 0), [0x21, 0x66, 0xac]);
  assert.deepEqual(entry(diverging, 255), [0xb3, 0x58, 0x06]);
  // Entry 128 sits just past the middle stop (#f7f7f7), t of the way to the next (#fee0b6).
  const t = (128 / 255) * 8 - 4;
  assert.deepEqual(entry(diverging, 128), [0xf7, 0xf7, 0xf7].map((v, c) =>
    Math.round(v + ([0xfe, 0xe0, 0xb6][c] - v) * t)));
});

test("viridis gets brighter from end to end (it reads in grey too)", () => {
  const luma = (i) => 0.2126 * viridis[i * 3] + 0.7152 * viridis[i * 3 + 1]
    + 0.0722 * viridis[i * 3 + 2];
  for (let i = 1; i < 256; i += 1) assert.ok(luma(i) >= luma(i - 1) - 0.5, `entry ${i}`);
});

test("a block of one sign uses viridis; a signed block puts zero at the grey middle", () => {
  assert.equal(blockLut(0, 5), viridis);
  assert.equal(blockLut(-5, -1), viridis);
  const lut = blockLut(-1, 1);
  assert.deepEqual(entry(lut, 0), entry(diverging, 0));
  assert.deepEqual(entry(lut, 255), entry(diverging, 255));
  // Asymmetric: -1..3, so the most negative byte is only a third of the way to blue.
  const skewed = blockLut(-1, 3);
  const zeroByte = Math.round((1 / 4) * 255); // value 0
  assert.deepEqual(entry(skewed, zeroByte), entry(diverging, 128));
  assert.deepEqual(entry(skewed, 0), entry(diverging, Math.round(((-1 / 3 + 1) / 2) * 255)));
});

test("CSS colours and ink clamp their index and pick readable text", () => {
  assert.equal(cssColour(viridis, -3), cssColour(viridis, 0));
  assert.equal(cssColour(viridis, 400), "rgb(253, 231, 37)");
  assert.equal(inkFor(viridis, 0), "#fff");
  assert.equal(inkFor(viridis, 255), "#111");
  assert.equal(inkFor(diverging, 128), "#111");
});

test("weight colours share the diverging map's ends and grey zero", () => {
  assert.equal(weightColours(0, 4).background, "rgb(247,247,247)");
  assert.equal(weightColours(-4, 4).background, `rgb(${entry(diverging, 0).join(",")})`);
  assert.equal(weightColours(9, 4).background, `rgb(${entry(diverging, 255).join(",")})`);
  assert.equal(weightColours(2, 4).background, "rgb(213,168,127)"); // halfway to orange
  assert.equal(weightColours(5, 0).background, "rgb(247,247,247)"); // nothing to scale by
  assert.equal(weightColours(-4, 4).color, "#fff");
  assert.equal(weightColours(1, 4).color, "#111");
});

test("the largest magnitude looks through nesting and skips what is not a number", () => {
  assert.equal(largestMagnitude([[1, -7], [[3, NaN]], [Infinity, "x"]]), 7);
  assert.equal(largestMagnitude([]), 0);
});
