// Live updates: edits are debounced (60 ms) and sent over the websocket; the last edit wins.
// Photos larger than 1024 px are filtered as a 512 px preview while values change and at
// full resolution once the edits settle.

import { LiveSocket } from "../../socket.js";
import * as status from "../../ui/status.js";

const DEBOUNCE_MS = 60;
const SETTLE_MS = 350;
const LARGE_SIDE = 1024;
export const PREVIEW_SIDE = 512;

export class LiveUpdate {
  /** on: {result(header, imageData, scale), error(detail), connection(state)} */
  constructor(on) {
    this.on = on;
    this.socket = new LiveSocket({
      onResult: (header, image) => this.received(header, image),
      onError: (detail) => {
        if (this.waiting) return; // a newer edit is about to be sent: its answer decides
        this.clearTimers();
        status.end("live", false);
        this.on.error(detail);
      },
      onConnection: (state) => this.on.connection(state),
    });
  }

  clearTimers() {
    window.clearTimeout(this.debounce);
    window.clearTimeout(this.settle);
    this.settle = null;
    this.waiting = false; // an edit not sent yet (its debounce runs)
  }

  /** An edit: request = {source, spec}; size = the full image's {width, height}. */
  schedule(request, size) {
    status.begin("live");
    this.clearTimers();
    this.request = request;
    this.previewScale = 1;
    const large = Math.max(size.width, size.height) > LARGE_SIDE;
    if (large) this.previewScale = Math.max(size.width, size.height) / PREVIEW_SIDE;
    this.waiting = true;
    this.debounce = window.setTimeout(() => this.send(large), DEBOUNCE_MS);
    if (large) this.settle = window.setTimeout(() => this.send(false), SETTLE_MS);
  }

  send(preview) {
    this.waiting = false;
    if (!preview) this.settle = null;
    const { source, spec } = this.request;
    this.socket.apply(source, spec, preview ? PREVIEW_SIDE : null);
  }

  /** The answer to the newest request sent; an edit still in its debounce keeps the page
   * busy (body[data-state], which tests and the status line read) until its own answer. */
  received(header, image) {
    const scale = header.preview ? this.previewScale : 1;
    this.on.result(header, image, scale);
    if (!header.preview && !this.settle && !this.waiting) status.end("live");
  }
}
