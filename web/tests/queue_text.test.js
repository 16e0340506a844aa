import assert from "node:assert/strict";
import { test } from "node:test";

import { humanBytes, ordinal, QUEUE_REASONS, queueReason, queueText, roughWait }
  from "../static/js/pages/training/queue_text.js";

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

test("why a run waits is written from its type and values, as the server words it", () => {
  // the server's English for the same values (server/training/executors/scheduling.py)
  const samples = [
    ["session_limit", { runs: 2 }, "your session already trains 2 runs at once"],
    ["slots_busy", { slots: 8 }, "all 8 training slots are busy"],
    ["memory", { needed: "3.0 MB", free: "512.0 KB", needed_bytes: 3 * 1024 * 1024,
      free_bytes: 512 * 1024 }, "it needs about 3.0 MB and 512.0 KB of device memory is free"],
    ["no_worker", { problem: "CUDA out of memory" }, "no worker can start: CUDA out of memory"],
    ["warming_up", {}, "waiting for a warm worker"],
  ];
  for (const [type, ctx, english] of samples) {
    assert.equal(QUEUE_REASONS[type](ctx), english, type);
    assert.equal(queueReason({ position: 1, reason: english, reason_type: type, reason_ctx: ctx }),
      english);
  }
  assert.equal(queueReason({ position: 1, reason: "something new" }), "something new");
  assert.equal(queueReason({ position: 1, wait_s: null }), "");
});

test("sizes read as the server's human_bytes", () => {
  assert.equal(humanBytes(1536), "1.5 KB");
  assert.equal(humanBytes(3 * 1024 * 1024), "3.0 MB");
  assert.equal(humanBytes(2000 * 1024 * 1024), "2000.0 MB");
});
