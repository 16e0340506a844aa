// The teacher's side of "follow me": while the room's broadcast is the Kernel Lab, every
// change of the page's selections is published (debounced, one PUT at a time, the last state
// wins) with PUT /api/rooms/{code}/broadcast. The room socket keeps the student count and
// notices when the broadcast is switched to something else or the room is closed.

import { setBroadcast } from "../../../api_rooms.js";
import { RoomSocket } from "../../../socket.js";
import { barButton, barLink } from "./follow_bar.js";
import { applySnapshot, readSnapshot, snapshot } from "./follow_state.js";
import { t, tn } from "../../../i18n.js";

const DEBOUNCE_MS = 300;
const MAX_BYTES = 64 * 1024; // the server's limit for the kernel_lab object

function students(room) {
  return tn("{n} student, {online} online", "{n} students, {online} online",
    room.participant_count, { online: room.online_count });
}

export class Broadcaster {
  constructor(lab, room, bar, samples) {
    this.lab = lab;
    this.code = room.code;
    this.bar = bar;
    this.seq = -1;
    this.published = null; // the JSON text of the last state the server took
    this.problem = null;
    lab.onState = () => this.schedule();
    this.update(room);
    if (this.kind === "kernel_lab") this.restore(room.broadcast.kernel_lab, samples);
    this.socket = this.ended ? null : new RoomSocket(this.code, {
      onRoom: (next) => this.update(next),
      onEnd: () => this.end(t("Room {code} is closed: the Kernel Lab is no longer broadcast.",
        { code: this.code })),
      onConnection: (state) => { document.body.dataset.broadcastConnection = state; },
    });
  }

  /** A reloaded page starts where the broadcast is (a private photo stays a sample here). */
  restore(raw, samples) {
    try {
      const names = new Set(samples.map((s) => s.name));
      const shared = readSnapshot(raw, this.lab.state.catalogue, names, this.lab.vocabulary);
      this.published = JSON.stringify(raw);
      applySnapshot(this.lab, shared, () => true).catch(() => this.schedule());
    } catch {
      this.schedule(); // unreadable: replace it with what this page shows
    }
  }

  update(room) {
    if (this.ended) return;
    if (room.closed) {
      this.end(t("Room {code} is closed: the Kernel Lab is no longer broadcast.",
        { code: this.code }));
      return;
    }
    if (room.broadcast.seq < this.seq) return; // an older view that arrived late
    this.seq = room.broadcast.seq;
    this.kind = room.broadcast.kind;
    this.room = room;
    this.render();
    const state = room.broadcast.kernel_lab;
    if (this.kind === "kernel_lab" && (!state || !Object.keys(state).length)) {
      this.published = null;
      this.schedule(); // the Classroom page chose the Kernel Lab: this page fills it in
    }
  }

  render() {
    const { room } = this;
    const code = this.code;
    const link = barLink(t("Room {code}", { code }), `/room/${encodeURIComponent(code)}`);
    if (this.kind === "kernel_lab") {
      document.body.dataset.broadcasting = this.problem ? "error" : "on";
      document.body.dataset.broadcastSeq = String(this.seq);
      this.bar.show(t("Broadcasting to room {code} ({students})", { code, students: students(room) }),
        this.problem || t("Students follow your selections at {address}.",
          { address: `/?follow=${code}` }), "info",
        barButton(t("Stop broadcasting"), () => this.send({ kind: "none" }), true), link);
      return;
    }
    document.body.dataset.broadcasting = "off";
    const params = { code, students: students(room), what: room.broadcast.title || this.kind };
    this.bar.show(this.kind === "none" ? t("You teach room {code} ({students}).", params)
      : t("You teach room {code} ({students}). It shows {what} now.", params), null, "info",
    barButton(t("Broadcast this Kernel Lab"), () => this.start()), link);
  }

  start() {
    this.published = null;
    this.send(this.body());
  }

  body() {
    return { kind: "kernel_lab", kernel_lab: snapshot(this.lab), follow: true };
  }

  schedule() {
    if (this.kind !== "kernel_lab" || this.ended) return;
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(() => this.publish(), DEBOUNCE_MS);
  }

  publish() {
    if (this.kind !== "kernel_lab" || this.ended) return;
    if (this.busy) {
      this.pending = () => this.publish(); // the state as it is when the answer comes
      return;
    }
    const body = this.body();
    if (JSON.stringify(body.kernel_lab) !== this.published) this.send(body);
  }

  /** One request at a time: what is asked meanwhile goes when the answer comes. */
  async send(body) {
    if (this.busy) {
      this.pending = () => this.send(body);
      return;
    }
    const text = body.kind === "kernel_lab" ? JSON.stringify(body.kernel_lab) : null;
    const bytes = text ? new TextEncoder().encode(text).length : 0;
    if (bytes > MAX_BYTES) {
      this.fail(t("The Kernel Lab state is {size} KB, over the 64 KB a room can carry: students still see the previous state. Use fewer or smaller custom kernels.",
        { size: Math.ceil(bytes / 1024) }));
      return;
    }
    this.busy = true;
    try {
      const room = await setBroadcast(this.code, body);
      this.published = text;
      this.problem = null;
      this.update(room);
      this.schedule(); // publishes what changed while this was on its way, if anything
    } catch (err) {
      if (err.status === 404 || err.status === 410) {
        this.end(t("Room {code}: {error}.", { code: this.code, error: err.message }));
      } else {
        this.fail(t("Students do not see your latest change: {error}.", { error: err.message }));
      }
    } finally {
      this.busy = false;
      const next = this.pending;
      this.pending = null;
      if (next) next();
    }
  }

  fail(message) {
    this.problem = message;
    if (this.room) this.render();
  }

  end(message) {
    this.ended = true;
    window.clearTimeout(this.timer);
    if (this.socket) this.socket.close();
    document.body.dataset.broadcasting = "ended";
    this.bar.show(message, null, "ended");
  }
}
