// A student following the teacher's Kernel Lab (/?follow=CODE): every room update whose
// broadcast is the Kernel Lab is applied to this page, until the student changes anything
// ("stepped away"); "Follow again" applies the teacher's latest state and resumes. Kicked,
// closed or not joined: a message and no reconnecting.

import { RoomSocket } from "../../../socket.js";
import { barButton, barLink, watchUserChanges } from "./follow_bar.js";
import { byId } from "../../../ui/dom.js";
import { applySnapshot, readSnapshot } from "./follow_state.js";
import { t } from "../../../i18n.js";
import { localMessage } from "../../../error_messages.js";

const SHOWING = {
  run: (code) => t("The teacher of room {code} is showing a training run now, not the Kernel Lab.", { code }),
  network: (code) => t("The teacher of room {code} is showing a network now, not the Kernel Lab.", { code }),
  model: (code) => t("The teacher of room {code} is showing a trained model now, not the Kernel Lab.", { code }),
};

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
    this.setMode("connecting", t("Connecting to room {code}\u2026", { code }), null, "info");
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
    return barLink(t("Room {code}", { code: this.code }), `/room/${encodeURIComponent(this.code)}`);
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
      this.setMode("waiting", t("The teacher of room {code} is about to share the Kernel Lab.",
        { code: this.code }), t("This page follows them as soon as their Kernel Lab page is open."),
      "info");
      return;
    }
    if (broadcast.kind !== "kernel_lab") {
      this.latest = null;
      const showing = SHOWING[broadcast.kind];
      this.setMode("waiting", showing ? showing(this.code)
        : t("The teacher of room {code} is not sharing the Kernel Lab now.", { code: this.code }),
      t("This page follows them again as soon as they share it."), "ended", this.roomLink());
      return;
    }
    if (this.latest && this.latest.seq === broadcast.seq) return; // a join, not a new state
    let shared;
    try {
      shared = readSnapshot(broadcast.kernel_lab, this.lab.state.catalogue, this.sampleNames,
        this.lab.vocabulary);
    } catch (err) {
      this.setMode("error", t("The teacher's Kernel Lab cannot be shown: {error}.",
        { error: err.message }), null, "ended", this.roomLink());
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
    this.setMode("following", t("Following the teacher of room {code}: your Kernel Lab shows their selections.",
      { code: this.code }), this.shownNote, "info",
    barButton(t("Stop following"), () => this.stepAway(), true));
  }

  offer() {
    this.setMode("offered", t("The teacher of room {code} is sharing their Kernel Lab.",
      { code: this.code }), null, "info", barButton(t("Follow the teacher"), () => this.follow()));
  }

  stepAway() {
    if (this.mode !== "following") return;
    this.setMode("away", t("You stepped away from the teacher \u2014 your changes are yours; theirs are no longer applied."),
      null, "away", barButton(t("Follow again"), () => this.follow()));
  }

  note() {
    const source = this.latest && this.latest.shared.source;
    if (!source || !source.upload) return t("Change anything to explore on your own.");
    return t("The teacher is using their own photo ({name}), which only they can see: you see their filters on your photo. Change anything to explore on your own.",
      { name: source.upload });
  }

  async apply() {
    const { seq, shared } = this.latest;
    document.body.dataset.followSeq = String(seq);
    try {
      await applySnapshot(this.lab, shared,
        () => this.mode === "following" && this.latest && this.latest.seq === seq);
    } catch (err) {
      this.setMode("error", t("The teacher's Kernel Lab could not be applied: {error}.",
        { error: err.message }), null, "ended", barButton(t("Try again"), () => this.follow()));
    }
  }

  /** Why the socket was refused (4403): not joined, removed, or the room closed (410). */
  refusal(detail, said, join) {
    const code = this.code;
    if (detail && detail.status === 410) return [t("Room {code} is closed.", { code }), null];
    if (said && said.includes("removed")) {
      return [t("The teacher removed you from room {code}.", { code }), null];
    }
    return [t("You have not joined room {code}, so you cannot follow its teacher.", { code }), join];
  }

  ended(reason, detail) {
    this.mode = "ended";
    const code = this.code;
    const join = barLink(t("Join room {code}", { code }), `/join/${encodeURIComponent(code)}`);
    const said = detailText(detail);
    const messages = {
      kicked: [t("The teacher removed you from room {code}.", { code }), null],
      closed: [t("The teacher closed room {code}.", { code }), null],
      forbidden: this.refusal(detail, said, join),
      // 4404: no such room, or one not joined (the server answers both alike).
      gone: [t("There is no room {code} that you have joined: check the code on the teacher's screen, then join it.",
        { code }), join],
    };
    const shown = said && localMessage(detail.detail[0]);
    const [message, action] = messages[reason] || [shown || t("The room ended."), null];
    const note = document.body.dataset.followSeq ? t("Your Kernel Lab keeps what it shows.") : null;
    this.setMode("ended", message, note, "ended", action);
  }
}
