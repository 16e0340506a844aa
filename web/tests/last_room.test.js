// The room the Classroom page opened last, shared with the Kernel Lab's "follow me".

import assert from "node:assert/strict";
import { afterEach, test } from "node:test";

import { rememberedRoom, rememberRoom } from "../static/js/ui/last_room.js";

function fakeStorage(values = new Map(), broken = false) {
  const fail = () => { if (broken) throw new Error("SecurityError"); };
  return {
    getItem: (key) => { fail(); return values.has(key) ? values.get(key) : null; },
    setItem: (key, value) => { fail(); values.set(key, String(value)); },
    removeItem: (key) => { fail(); values.delete(key); },
  };
}

afterEach(() => { delete globalThis.localStorage; });

test("a remembered room reads back, in capitals, until it is forgotten", () => {
  globalThis.localStorage = fakeStorage();
  assert.equal(rememberedRoom(), null);
  rememberRoom("k7mnpq");
  assert.equal(rememberedRoom(), "K7MNPQ");
  rememberRoom(null);
  assert.equal(rememberedRoom(), null);
});

test("what another page wrote under the key is not taken for a room", () => {
  for (const stored of ["{not json", "42", '{"code": 7}', "null", '"K7MNPQ"']) {
    globalThis.localStorage = fakeStorage(new Map([["cnnpg.room", stored]]));
    assert.equal(rememberedRoom(), null, stored);
  }
});

test("disabled storage is no error: nothing is remembered", () => {
  globalThis.localStorage = fakeStorage(new Map(), true);
  assert.doesNotThrow(() => rememberRoom("K7MNPQ"));
  assert.equal(rememberedRoom(), null);
});
