// The one module that opens WebSockets (see docs/protocol.md).
// LiveSocket: live kernel editing over /ws/kernels. The last edit wins: every answer whose
// id is older than the newest request is dropped, and the newest unanswered request is
// sent again after a reconnect.
// RunSocket: one training run's events over /ws/runs/{id}, reconnecting by itself.
// RoomSocket: a classroom's state over /ws/rooms/{code} (docs/classroom.md), likewise.
// ClassifySocket: the Classify page's webcam frames over /ws/classify; the newest frame wins.

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

const RUN_MAGIC = "CNR1";
const BINARY_EVENTS = ["activations", "filters"];

/** A CNR1 frame: {seq, data} (data: the blocks' bytes), or null when it is not one. */
export function parseRunFrame(buffer) {
  if (buffer.byteLength < 8) return null;
  const magic = String.fromCharCode(...new Uint8Array(buffer, 0, 4));
  if (magic !== RUN_MAGIC) return null;
  return { seq: new DataView(buffer).getUint32(4, true), data: new Uint8Array(buffer, 8) };
}

/** A socket that reconnects by itself (250 ms, doubling up to 4 s) until closed by us or
 * by the server with one of `finalCodes`; subclasses handle `received(data)` and `ended`. */
class Reconnecting {
  constructor(path, onConnection, finalCodes) {
    this.url = socketUrl(path);
    this.onConnection = onConnection;
    this.finalCodes = finalCodes;
    this.retryMs = 250;
    this.closedByUs = false;
    this.lastError = null;
  }

  connect() {
    this.ws = new WebSocket(this.url);
    this.ws.binaryType = "arraybuffer";
    this.ws.addEventListener("open", () => {
      this.retryMs = 250;
      this.onConnection("open");
    });
    this.ws.addEventListener("message", (event) => this.received(event.data));
    this.ws.addEventListener("close", (event) => this.closed(event));
  }

  closed(event) {
    this.lost();
    if (this.closedByUs) return;
    if (this.finalCodes.includes(event.code)) {
      this.ended(event.code);
      return;
    }
    this.onConnection("reconnecting");
    this.timer = window.setTimeout(() => this.connect(), this.retryMs);
    this.retryMs = Math.min(this.retryMs * 2, 4000);
  }

  lost() {}

  close() {
    this.closedByUs = true;
    window.clearTimeout(this.timer);
    this.ws.close();
  }
}

export class RunSocket extends Reconnecting {
  /** handlers: onEvent(event) for text events (the snapshot first, after every connect),
   * onFrame(header, bytes) for activations/filters, onConnection("open" | "reconnecting" |
   * "gone", detail). A run the server does not know (close 4404) is not retried. A page
   * the server dropped for not keeping up (close 1013 "too slow: reconnect", or a plain
   * 1006 when even the close frame could not get through) reconnects like after any lost
   * connection, and the fresh snapshot brings it up to date. */
  constructor(runId, handlers) {
    super(`/ws/runs/${encodeURIComponent(runId)}`, handlers.onConnection, [4404]);
    this.handlers = handlers;
    this.expecting = []; // headers whose binary frame comes next, oldest first
    this.connect();
  }

  lost() {
    this.expecting = [];
  }

  ended() {
    this.handlers.onConnection("gone", this.lastError);
  }

  /** Send a client message ({"type": "probe", ...}); false while disconnected. */
  send(message) {
    if (this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(message));
    return true;
  }

  received(data) {
    if (typeof data !== "string") {
      this.frame(data);
      return;
    }
    const event = JSON.parse(data);
    if (event.type === "snapshot") {
      // Its pixel-carrying entries are followed by their frames (with or without a header).
      this.expecting = BINARY_EVENTS.filter((k) => event.latest && event.latest[k])
        .map((k) => event.latest[k]);
    } else if (BINARY_EVENTS.includes(event.type)) {
      this.expecting = this.expecting.filter((h) => h.type !== event.type);
      this.expecting.unshift(event);
      return;
    } else if (event.type === "error") {
      this.lastError = event;
    }
    this.handlers.onEvent(event);
  }

  frame(buffer) {
    const parsed = parseRunFrame(buffer);
    if (!parsed) return;
    const at = this.expecting.findIndex((h) => h.seq === parsed.seq);
    if (at < 0) return; // a frame nobody announced: skip it
    const [header] = this.expecting.splice(at, 1);
    this.handlers.onFrame(header, parsed.data);
  }
}

// Close codes after which a room socket does not come back (docs/classroom.md).
const ROOM_ENDS = { 4000: "closed", 4001: "kicked", 4403: "forbidden", 4404: "gone" };

export class RoomSocket extends Reconnecting {
  /** handlers: onRoom(room) with every RoomView (on connect and after each change),
   * onEnd(reason, detail) once, reason "closed" | "kicked" | "forbidden" | "gone" (no
   * reconnect after it), onConnection("open" | "reconnecting"). */
  constructor(code, handlers) {
    super(`/ws/rooms/${encodeURIComponent(code)}`, handlers.onConnection,
      Object.keys(ROOM_ENDS).map(Number));
    this.handlers = handlers;
    this.ending = null;
    this.connect();
  }

  received(data) {
    if (typeof data !== "string") return;
    const message = JSON.parse(data);
    if (message.type === "room") this.handlers.onRoom(message.room);
    else if (message.type === "kicked" || message.type === "closed") this.ending = message.type;
    else if (message.type === "error") this.lastError = message;
  }

  ended(code) {
    this.handlers.onEnd(this.ending || ROOM_ENDS[code], this.lastError);
  }
}

export class ClassifySocket extends Reconnecting {
  /** /ws/classify, the Classify page's webcam (docs/protocol.md): sendFrame(header, pixels)
   * sends the JSON header, then the picture. handlers: onResult(answer), onError(message),
   * onConnection("open" | "reconnecting"); a lost connection is retried by itself. */
  constructor(handlers) {
    super("/ws/classify", handlers.onConnection, []);
    this.handlers = handlers;
    this.connect();
  }

  get open() {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /** false while disconnected (nothing is sent). */
  sendFrame(header, pixels) {
    if (!this.open) return false;
    this.ws.send(JSON.stringify({ type: "frame", ...header }));
    this.ws.send(pixels);
    return true;
  }

  received(data) {
    if (typeof data !== "string") return;
    const message = JSON.parse(data);
    if (message.type === "result") this.handlers.onResult(message);
    else if (message.type === "error") this.handlers.onError(message);
  }
}
