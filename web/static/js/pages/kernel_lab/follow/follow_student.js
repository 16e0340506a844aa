// A student following the teacher's Kernel Lab (/?follow=CODE): every room update whose
// broadcast is the Kernel Lab is applied to this page, until the student changes anything
// ("stepped away"); "Follow again" applies the teacher's latest state and resumes. Kicked,
// closed or not joined: a message and no reconnecting.

import { RoomSocket } from "../../../socket.js";
import { barButton, barLink, watchUserChanges } from "./follow_bar.js";
import { byId } from "../../../ui/dom.js";
import { applySnapshot, readSnapshot } from "./follow_state.js";

const SHOWING = { run: "a training run", network: "a network", model: "a trained model" };

function isEmpty(value) {
  return !value || (typeof value === "object" && Object.keys(value).length === 0);
}

/** The server's words from an error message ({"type": "error", "detail": [{msg}]}). */
function detailText(message) {
  const detail = message && message.detail;
  return Array.isArray(detail) && detail.length ? String(detail[0].msg) : null;
}

export class Follower {
  /** asTeacher(room): called instead when this browser teaches the room. */
  constructor(lab, samples, code, bar, asTeacher) {
    this.lab = lab;
    this.code = code;
    this.bar = bar;
    this.asTeacher = asTeacher;
    this.sampleNames = new Set(samples.map((s) => s.name));
    this.latest = null; // {seq, shared, follow}
    this.setMode("connecting", `Connecting to room ${code}\u2026`, null, "info");
    watchUserChanges(byId("lab"), () => this.stepAway());
    this.socket = new RoomSocket(code, {
      onRoom: (room) => this.room(room),
      onEnd: (reason, detail) => this.ended(reason, detail),
      onConnection: (state) => { document.body.dataset.followConnection = state; },
    });
  }

  setMode(mode, message, note, tone, ...actions) {
    this.mode = mode;
    document.body.dataset.follow = mode;
    this.bar.show(message, note, tone, ...actions);
  }

  roomLink() {
    return barLink(`Room ${this.code}`, `/room/${encodeURIComponent(this.code)}`);
  }

  room(room) {
    if (this.mode === "ended") return;
    if (room.teacher) {
      this.mode = "ended";
      delete document.body.dataset.follow;
      this.socket.close();
      this.asTeacher(room);
      return;
    }
    const { broadcast } = room;
    if (broadcast.kind === "kernel_lab" && isEmpty(broadcast.kernel_lab)) {
      this.latest = null; // chosen on the Classroom page; the teacher's Kernel Lab fills it
      this.setMode("waiting", `The teacher of room ${this.code} is about to share the Kernel ` +
        "Lab.", "This page follows them as soon as their Kernel Lab page is open.", "info");
      return;
    }
    if (broadcast.kind !== "kernel_lab") {
      this.latest = null;
      const showing = SHOWING[broadcast.kind];
      this.setMode("waiting", showing
        ? `The teacher of room ${this.code} is showing ${showing} now, not the Kernel Lab.`
        : `The teacher of room ${this.code} is not sharing the Kernel Lab now.`,
      "This page follows them again as soon as they share it.", "ended", this.roomLink());
      return;
    }
    if (this.latest && this.latest.seq === broadcast.seq) return; // a join, not a new state
    let shared;
    try {
      shared = readSnapshot(broadcast.kernel_lab, this.lab.state.catalogue, this.sampleNames,
        this.lab.vocabulary);
    } catch (err) {
      this.setMode("error", `The teacher's Kernel Lab cannot be shown: ${err.message}.`, null,
        "ended", this.roomLink());
      return;
    }
    this.latest = { seq: broadcast.seq, shared, follow: broadcast.follow !== false };
    document.body.dataset.followLatest = String(broadcast.seq);
    if (this.mode === "following") {
      if (this.note() !== this.shownNote) this.showFollowing();
      this.apply();
    } else if (this.mode !== "away" && this.latest.follow) this.follow();
    else if (this.mode !== "away") this.offer();
  }

  follow() {
    if (!this.latest) return;
    this.showFollowing();
    this.apply();
  }

  showFollowing() {
    this.shownNote = this.note();
    this.setMode("following", `Following the teacher of room ${this.code}: your Kernel Lab ` +
      "shows their selections.", this.shownNote, "info",
    barButton("Stop following", () => this.stepAway(), true));
  }

  offer() {
    this.setMode("offered", `The teacher of room ${this.code} is sharing their Kernel Lab.`,
      null, "info", barButton("Follow the teacher", () => this.follow()));
  }

  stepAway() {
    if (this.mode !== "following") return;
    this.setMode("away", "You stepped away from the teacher \u2014 your changes are yours; " +
      "theirs are no longer applied.", null, "away",
    barButton("Follow again", () => this.follow()));
  }

  note() {
    const text = "Change anything to explore on your own.";
    const source = this.latest && this.latest.shared.source;
    if (!source || !source.upload) return text;
    return `The teacher is using their own photo (${source.upload}), which only they can ` +
      `see: you see their filters on your photo. ${text}`;
  }

  async apply() {
    const { seq, shared } = this.latest;
    document.body.dataset.followSeq = String(seq);
    try {
      await applySnapshot(this.lab, shared,
        () => this.mode === "following" && this.latest && this.latest.seq === seq);
    } catch (err) {
      this.setMode("error", `The teacher's Kernel Lab could not be applied: ${err.message}.`,
        null, "ended", barButton("Try again", () => this.follow()));
    }
  }

  /** Why the socket was refused (4403): not joined, removed, or the room closed (410). */
  refusal(detail, said, join) {
    if (detail && detail.status === 410) return [`Room ${this.code} is closed.`, null];
    if (said && said.includes("removed")) {
      return [`The teacher removed you from room ${this.code}.`, null];
    }
    return [`You have not joined room ${this.code}, so you cannot follow its teacher.`, join];
  }

  ended(reason, detail) {
    this.mode = "ended";
    const join = barLink(`Join room ${this.code}`, `/join/${encodeURIComponent(this.code)}`);
    const said = detailText(detail);
    const messages = {
      kicked: [`The teacher removed you from room ${this.code}.`, null],
      closed: [`The teacher closed room ${this.code}.`, null],
      forbidden: this.refusal(detail, said, join),
      // 4404: no such room, or one not joined (the server answers both alike).
      gone: [`There is no room ${this.code} that you have joined: check the code on the `
        + "teacher's screen, then join it.", join],
    };
    const [message, action] = messages[reason] || [said || "The room ended.", null];
    const note = document.body.dataset.followSeq ? "Your Kernel Lab keeps what it shows." : null;
    this.setMode("ended", message, note, "ended", action);
  }
}
