import assert from "node:assert/strict";
import { test } from "node:test";

import { ordinal, queueText, roughWait } from "../static/js/pages/training/queue_text.js";

test("ordinals follow English, teens included", () => {
  const expected = { 1: "1st", 2: "2nd", 3: "3rd", 4: "4th", 11: "11th", 12: "12th", 13: "13th",
    21: "21st", 22: "22nd", 23: "23rd", 101: "101st", 111: "111th", 112: "112th" };
  for (const [n, text] of Object.entries(expected)) assert.equal(ordinal(Number(n)), text);
});

test("waits are rounded to what a person can use", () => {
  assert.equal(roughWait(2), "under 5 s");
  assert.equal(roughWait(18), "about 20 s");
  assert.equal(roughWait(89), "about 90 s");
  assert.equal(roughWait(200), "about 3 min");
  assert.equal(roughWait(null), "");
  assert.equal(roughWait(Infinity), "");
});

test("the place in line counts down and never goes below zero", () => {
  const queue = { position: 3, wait_s: 20, reason: "all 1 training slots are busy" };
  assert.equal(queueText(queue), "3rd in line, about 20 s");
  assert.equal(queueText(queue, 10), "3rd in line, about 10 s");
  assert.equal(queueText(queue, 60), "3rd in line, under 5 s");
  assert.equal(queueText({ position: 1, wait_s: null }), "Next in line");
  assert.equal(queueText(null), "");
});
