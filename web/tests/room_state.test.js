// The Classroom pages' pure helpers: room codes, error locations, what a room shows.

import assert from "node:assert/strict";
import { test } from "node:test";

import {
  CODE_LETTERS, describeBroadcast, located, messageOf, normalCode,
} from "../static/js/pages/room/state.js";

test("a room code is six of the unambiguous letters, typed any way", () => {
  assert.equal(normalCode("k7m npq"), "K7MNPQ");
  assert.equal(normalCode(" a-c-d-e-f-h "), "ACDEFH");
  assert.equal(normalCode("ACDEF"), null);
  assert.equal(normalCode("ACDEFHJ"), null);
  assert.equal(normalCode(null), null);
  for (const ambiguous of "BGILOSZ012568") {
    assert.ok(!CODE_LETTERS.includes(ambiguous), ambiguous);
    assert.equal(normalCode(`ACDEF${ambiguous}`), null, ambiguous);
  }
});

test("server error locations lose their body/path/query head only", () => {
  const detail = [{ loc: ["body", "name"], msg: "a" }, { loc: ["path", "code"], msg: "b" },
    { loc: ["name", "body"], msg: "c" }, { msg: "d" }];
  assert.deepEqual(located(detail).map((d) => d.loc), [["name"], ["code"], ["name", "body"], []]);
});

test("error messages are joined, with a fallback", () => {
  assert.equal(messageOf({ detail: [{ msg: "a" }, { msg: "b" }] }), "a; b");
  assert.equal(messageOf(new Error("gone")), "gone");
  assert.equal(messageOf(null), "something went wrong");
});

test("what a room shows, in words", () => {
  assert.equal(describeBroadcast({ kind: "run", title: "LeNet" }), "A live training run: LeNet.");
  assert.equal(describeBroadcast({ kind: "none" }), "Nothing is shown yet.");
  assert.equal(describeBroadcast({ kind: "kernel_lab" }), "The Kernel Lab (follow me).");
  assert.match(describeBroadcast({ kind: "hologram" }), /does not know \(hologram\)/);
});
