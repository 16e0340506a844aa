// The one WebSocket: live kernel editing over /ws/kernels (see docs/protocol.md).
// The last edit wins: every answer whose id is older than the newest request is dropped,
// and the newest unanswered request is sent again after a reconnect.

const MAGIC = "KLR1";
const HEADER_BYTES = 16;

function socketUrl(path) {
  const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${window.location.host}${path}`;
}

function parseFrame(buffer) {
  const view = new DataView(buffer);
  const magic = String.fromCharCode(...new Uint8Array(buffer, 0, 4));
  if (magic !== MAGIC) return null;
  const id = view.getUint32(4, true);
  const width = view.getUint32(8, true);
  const height = view.getUint32(12, true);
  const pixels = new Uint8ClampedArray(buffer, HEADER_BYTES);
  return { id, image: new ImageData(pixels, width, height) };
}

export class LiveSocket {
  /** handlers: onResult(header, imageData), onError(detail, message), onConnection(state). */
  constructor(handlers, path = "/ws/kernels") {
    this.handlers = handlers;
    this.url = socketUrl(path);
    this.nextId = 1;
    this.latest = null; // {id, text, answered}
    this.header = null;
    this.retryMs = 250;
    this.connect();
  }

  connect() {
    this.ws = new WebSocket(this.url);
    this.ws.binaryType = "arraybuffer";
    this.ws.addEventListener("open", () => this.opened());
    this.ws.addEventListener("message", (event) => this.received(event.data));
    this.ws.addEventListener("close", () => this.closed());
  }

  opened() {
    this.retryMs = 250;
    this.handlers.onConnection("open");
    if (this.latest && !this.latest.answered) this.ws.send(this.latest.text);
  }

  closed() {
    this.handlers.onConnection("reconnecting");
    this.header = null;
    window.setTimeout(() => this.connect(), this.retryMs);
    this.retryMs = Math.min(this.retryMs * 2, 4000);
  }

  /** Send an apply request; returns its id. Older requests become stale at once. */
  apply(source, spec, previewMaxSide) {
    const id = this.nextId;
    this.nextId = (this.nextId + 1) % 2 ** 32;
    const text = JSON.stringify({
      type: "apply", id, source, spec, preview_max_side: previewMaxSide || null,
    });
    this.latest = { id, text, answered: false };
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(text);
    return id;
  }

  isLatest(id) {
    return this.latest !== null && id === this.latest.id;
  }

  received(data) {
    if (typeof data !== "string") {
      this.frame(data);
      return;
    }
    const message = JSON.parse(data);
    if (message.type === "result") {
      this.header = message;
    } else if (message.type === "error" && (message.id === null || this.isLatest(message.id))) {
      if (this.latest) this.latest.answered = true;
      this.handlers.onError(message.detail, message);
    }
  }

  frame(buffer) {
    const header = this.header;
    this.header = null;
    const parsed = parseFrame(buffer);
    if (!parsed || !header || header.id !== parsed.id || !this.isLatest(parsed.id)) return;
    this.latest.answered = true;
    this.handlers.onResult(header, parsed.image);
  }
}
