// Binary frames of the run socket (docs/protocol.md): the CNR1 envelope and its blocks.

import assert from "node:assert/strict";
import { test } from "node:test";

import { parseRunFrame } from "../static/js/socket.js";
import {
  decodeBlocks, dequantize, gridFor, paintRgbTile, paintTile,
} from "../static/js/pages/training/frames.js";

function frame(seq, payload) {
  const bytes = new Uint8Array(8 + payload.length);
  bytes.set([67, 78, 82, 49]); // "CNR1"
  new DataView(bytes.buffer).setUint32(4, seq, true);
  bytes.set(payload, 8);
  return bytes.buffer;
}

test("a CNR1 frame gives its little-endian seq and its data; anything else is refused", () => {
  const parsed = parseRunFrame(frame(0x01020304, [9, 8, 7]));
  assert.equal(parsed.seq, 0x01020304);
  assert.deepEqual([...parsed.data], [9, 8, 7]);
  const wrong = new Uint8Array(frame(1, [1]));
  wrong[3] = 50; // "CNR2"
  assert.equal(parseRunFrame(wrong.buffer), null);
  assert.equal(parseRunFrame(new ArrayBuffer(7)), null);
});

test("blocks are cut out of the data; bad lengths and overruns are dropped", () => {
  const data = Uint8Array.from({ length: 10 }, (_, i) => i * 10);
  const header = { blocks: [
    { index: 0, layer: "conv1", shape: [2, 2], offset: 0, length: 4, min: -1, max: 1 },
    { index: 1, layer: "bad", shape: [3], offset: 4, length: 2, min: 0, max: 1 },
    { index: 2, layer: "past", shape: [4], offset: 8, length: 4, min: 0, max: 1 },
    { index: 3, layer: "fc", shape: [1, 3], offset: 6, length: 3, min: 0, max: 2 },
  ] };
  const blocks = decodeBlocks(header, data);
  assert.deepEqual(blocks.map((b) => b.layer), ["conv1", "fc"]);
  assert.deepEqual([...blocks[0].bytes], [0, 10, 20, 30]);
  assert.deepEqual([...blocks[1].bytes], [60, 70, 80]);
  assert.deepEqual(decodeBlocks({}, data), []);
});

test("a byte stands for min + b/255 (max - min)", () => {
  const block = { min: -2, max: 6 };
  assert.equal(dequantize(block, 0), -2);
  assert.equal(dequantize(block, 255), 6);
  assert.ok(Math.abs(dequantize(block, 51) - (-2 + 0.2 * 8)) < 1e-12);
});

test("tiles are painted through the LUT at their place, opaque", () => {
  const image = { width: 3, data: new Uint8ClampedArray(3 * 2 * 4) };
  const lut = Uint8Array.from({ length: 768 }, (_, i) => (i % 3 === 0 ? Math.floor(i / 3) : 0));
  paintTile(image, 1, 0, 2, 2, Uint8Array.from([5, 6, 7, 8]), 0, lut);
  const red = (x, y) => image.data[(y * 3 + x) * 4];
  assert.deepEqual([red(1, 0), red(2, 0), red(1, 1), red(2, 1)], [5, 6, 7, 8]);
  assert.equal(image.data[3], 0, "pixel (0, 0) is untouched");
  assert.equal(image.data[(1 * 3 + 2) * 4 + 3], 255);
  const rgb = { width: 1, data: new Uint8ClampedArray(4) };
  paintRgbTile(rgb, 0, 0, 1, 1, Uint8Array.from([0, 11, 22, 33]), 1);
  assert.deepEqual([...rgb.data], [11, 22, 33, 255]);
});

test("tile grids are roughly square, never wider than asked, and hold every tile", () => {
  for (let count = 1; count <= 70; count += 1) {
    const { columns, rows } = gridFor(count, 8);
    assert.ok(columns >= 1 && columns <= 8 && columns <= count, `${count}: ${columns}`);
    assert.ok(columns * rows >= count && columns * (rows - 1) < count, `${count}`);
  }
  assert.deepEqual(gridFor(16, 8), { columns: 6, rows: 3 });
});
