// The teacher's "Who may join" texts: places taken, what a kick blocked, and the caveat the
// kick dialog shows before blocking a network address.

import assert from "node:assert/strict";
import { test } from "node:test";

import { blockHint } from "../static/js/pages/classroom/participants.js";
import { bannedText, placesText } from "../static/js/pages/classroom/room_access.js";

test("places say how many are taken, and whether anyone new can join", () => {
  const room = { participant_count: 3, max_participants: 60, locked: false };
  assert.equal(placesText(room), "3 of 60 places taken.");
  assert.equal(placesText({ ...room, locked: true }),
    "3 of 60 places taken. Locked: no one new can join.");
  assert.equal(placesText({ ...room, participant_count: 60 }),
    "60 of 60 places taken. Full: no one new can join.");
  assert.equal(placesText({ participant_count: 0, max_participants: 1, locked: false }),
    "0 of 1 place taken.");
});

test("a removed participant's entry says whether the address is blocked", () => {
  assert.equal(bannedText({ name: "Ada", address_blocked: true }),
    "Ada: their browser and their network address");
  assert.equal(bannedText({ name: "", address_blocked: false }),
    "Anonymous: their browser only");
});

test("the kick dialog warns before blocking a shared address", () => {
  assert.match(blockHint(0), /blocked by default/);
  assert.match(blockHint(0), /another network/);
  assert.match(blockHint(1), /^1 other in the room/);
  assert.match(blockHint(12), /^12 others .*school's network.*not blocked by default/);
});
