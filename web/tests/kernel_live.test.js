// The Kernel Lab's live updates: an answer that arrives while a newer edit waits out its
// debounce neither ends the busy state nor cancels that edit (a real browser test raced
// on it: the page said "idle" with the older result on screen).

import assert from "node:assert/strict";
import { test } from "node:test";

const sent = [];
let socket = null;
class FakeWebSocket {
  static OPEN = 1;
  constructor() {
    this.readyState = FakeWebSocket.OPEN;
    this.listeners = {};
    socket = this;
  }
  addEventListener(kind, listener) { this.listeners[kind] = listener; }
  send(text) { sent.push(JSON.parse(text)); }
  deliver(data) { this.listeners.message({ data }); }
}
globalThis.WebSocket = FakeWebSocket;
globalThis.window = { location: { protocol: "http:", host: "127.0.0.1" }, setTimeout, clearTimeout };
globalThis.document = { body: { dataset: {} } };
globalThis.ImageData = class { constructor(pixels, width, height) { Object.assign(this, { pixels, width, height }); } };

const { LiveUpdate } = await import("../static/js/pages/kernel_lab/live.js");
const sleep = (ms) => new Promise((done) => setTimeout(done, ms));
const SMALL = { width: 4, height: 4 };

function answer(id) {
  socket.deliver(JSON.stringify({ type: "result", id, width: 1, height: 1, preview: false }));
  const frame = new ArrayBuffer(20);
  const view = new DataView(frame);
  [..."KLR1"].forEach((c, i) => view.setUint8(i, c.charCodeAt(0)));
  view.setUint32(4, id, true);
  view.setUint32(8, 1, true);
  view.setUint32(12, 1, true);
  socket.deliver(frame);
}

test("an older answer keeps the page busy while a newer edit waits to be sent", async () => {
  const results = [];
  const live = new LiveUpdate({ result: (header) => results.push(header.id), error() {},
                                connection() {} });
  live.schedule({ source: "a", spec: { n: 1 } }, SMALL);
  await sleep(100);
  assert.equal(sent.at(-1).spec.n, 1);
  live.schedule({ source: "a", spec: { n: 2 } }, SMALL); // in its debounce
  answer(sent.at(-1).id);
  assert.deepEqual(results, [sent.at(-1).id], "the older result is still shown meanwhile");
  assert.equal(document.body.dataset.state, "busy");
  await sleep(100);
  assert.equal(sent.at(-1).spec.n, 2);
  answer(sent.at(-1).id);
  assert.equal(document.body.dataset.state, "idle");
});

test("an error for an older request does not cancel the edit that fixes it", async () => {
  const errors = [];
  const live = new LiveUpdate({ result() {}, error: (detail) => errors.push(detail),
                                connection() {} });
  live.schedule({ source: "a", spec: { n: -1 } }, SMALL);
  await sleep(100);
  const bad = sent.at(-1);
  live.schedule({ source: "a", spec: { n: 3 } }, SMALL); // the fix, in its debounce
  socket.deliver(JSON.stringify({ type: "error", id: bad.id, status: 422, detail: [] }));
  assert.deepEqual(errors, [], "the newer edit decides");
  await sleep(100);
  assert.equal(sent.at(-1).spec.n, 3, "and it was sent");
  answer(sent.at(-1).id);
  assert.equal(document.body.dataset.state, "idle");
});
