// The Classroom page (/classroom), the teacher's: open a room, show its code, follow who
// joined (the room socket), choose what the class sees, kick, close. The open room is
// remembered in localStorage["cnnpg.room"] ({"code"}; the Kernel Lab's follow-me reads it
// too), so a reload comes back to it (GET /api/rooms lists the rooms this browser teaches).

import { closeRoom, createRoom, listRooms } from "../../api_rooms.js";
import { lang, t } from "../../i18n.js";
import { RoomSocket } from "../../socket.js";
import { byId } from "../../ui/dom.js";
import { FieldErrors } from "../../ui/field_errors.js";
import { rememberedRoom, rememberRoom } from "../../ui/last_room.js";
import { BroadcastPicker } from "./broadcast_picker.js";
import { Participants } from "./participants.js";
import { AccessPanel } from "./room_access.js";
import { RoomCard } from "./room_card.js";
import { bootPage, located, mark, messageOf, setFlag } from "../room/state.js";

class ClassroomPage {
  constructor() {
    this.card = new RoomCard();
    this.createErrors = new FieldErrors(byId("create-form"));
    this.closeErrors = new FieldErrors(byId("room-open"));
    this.room = null;
    this.participants = new Participants((next) => this.update(next));
    this.access = new AccessPanel((next) => this.update(next));
    this.picker = new BroadcastPicker((next) => this.update(next));
    byId("create-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.create();
    });
    byId("close-button").addEventListener("click", () => byId("close-dialog").showModal());
    byId("close-dialog").addEventListener("close", () => {
      if (byId("close-dialog").returnValue === "close") this.close();
      else byId("close-button").focus();
    });
  }

  /** The remembered room when it is still open, else the newest one this browser teaches. */
  async resume() {
    const { teaching } = await listRooms();
    const code = rememberedRoom();
    const newest = [...teaching].sort((a, b) => b.created - a.created)[0];
    const room = teaching.find((r) => r.code === code) || newest;
    if (room) await this.open(room, null, null);
    else this.showCreate();
  }

  showCreate() {
    byId("create-form").hidden = false;
    byId("room-open").hidden = true;
    mark("room", null);
    mark("participants", null);
    mark("broadcast", null);
  }

  async create() {
    this.createErrors.clear();
    setFlag("starting", true);
    try {
      const cap = byId("room-cap-new").value.trim();
      const created = await createRoom(byId("room-title").value.trim(), cap ? Number(cap) : null,
        lang);
      byId("room-closed-note").hidden = true;
      await this.open(created.room, created.join_url, created.teacher_key);
      byId("join-code").focus();
    } catch (err) {
      this.createErrors.show(located(err.detail));
    } finally {
      setFlag("starting", false);
    }
  }

  async open(room, joinUrl, key) {
    this.room = room;
    rememberRoom(room.code);
    byId("create-form").hidden = true;
    byId("room-open").hidden = false;
    this.card.show(room, joinUrl, key);
    this.participants.code = room.code;
    this.access.code = room.code;
    delete byId("room-cap").dataset.edited;
    this.picker.reset(room.code);
    await this.picker.load();
    this.update(room);
    mark("room", "connecting");
    this.socket = new RoomSocket(room.code, {
      onRoom: (next) => this.update(next),
      onConnection: (state) => this.connection(state),
      onEnd: (reason, detail) => this.ended(reason, detail),
    });
  }

  update(room) {
    if (!this.room || room.code !== this.room.code) return;
    this.room = room;
    this.participants.show(room);
    this.access.show(room);
    this.picker.show(room);
    if (room.closed) this.ended("closed");
  }

  connection(state) {
    mark("room", state === "open" ? "live" : state);
    byId("room-connection").textContent = state === "open"
      ? t("Live: joins and leaves show here as they happen.")
      : t("Connection lost: reconnecting\u2026");
  }

  ended(reason, detail) {
    if (!this.room) return;
    const code = this.room.code;
    if (this.socket) this.socket.close();
    this.room = null;
    rememberRoom(null);
    this.showCreate();
    const note = byId("room-closed-note");
    note.hidden = false;
    note.textContent = reason === "closed"
      ? t("Room {code} is closed. Open a new one when you need it.", { code })
      : t("Room {code} is no longer available: {reason}.", { code, reason: messageOf(detail) });
    byId("room-title").focus();
  }

  async close() {
    this.closeErrors.clear();
    try {
      const room = await closeRoom(this.room.code);
      this.update(room);
    } catch (err) {
      this.closeErrors.show(err.detail.map((d) => ({ ...d, loc: ["close"] })));
      byId("close-button").focus();
    }
  }
}

bootPage(() => new ClassroomPage().resume());
