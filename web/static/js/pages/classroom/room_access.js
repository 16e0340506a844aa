// "Who may join" on the teacher's Classroom page: how many places are taken, the cap
// (PATCH /api/rooms/{code} max_participants), the lock, and the participants removed, each
// with "Allow back" (POST /api/rooms/{code}/unban). Errors are shown at the control.

import { allowBack, configureRoom } from "../../api_rooms.js";
import { t, tn } from "../../i18n.js";
import { byId, h } from "../../ui/dom.js";
import { FieldErrors } from "../../ui/field_errors.js";
import { located, mark } from "../room/state.js";

/** "12 of 60 places taken. Locked: no one new can join." */
export function placesText(room) {
  const n = room.participant_count;
  const params = { taken: n };
  if (room.locked) {
    return tn("{taken} of {n} place taken. Locked: no one new can join.",
      "{taken} of {n} places taken. Locked: no one new can join.", room.max_participants, params);
  }
  if (n >= room.max_participants) {
    return tn("{taken} of {n} place taken. Full: no one new can join.",
      "{taken} of {n} places taken. Full: no one new can join.", room.max_participants, params);
  }
  return tn("{taken} of {n} place taken.", "{taken} of {n} places taken.", room.max_participants,
    params);
}

/** How a removed participant is listed: what the kick blocks. */
export function bannedText(entry) {
  const name = entry.name || t("Anonymous");
  return entry.address_blocked ? t("{name}: their browser and their network address", { name })
    : t("{name}: their browser only", { name });
}

export class AccessPanel {
  /** onRoom(room): the RoomView an action answered with. `code`: set when a room opens. */
  constructor(onRoom) {
    this.code = null;
    this.onRoom = onRoom;
    this.errors = new FieldErrors(byId("access-panel"));
    this.cap = byId("room-cap");
    byId("cap-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.saveCap();
    });
    this.cap.addEventListener("input", () => { this.cap.dataset.edited = "true"; });
    byId("room-locked").addEventListener("change", () => this.saveLock());
  }

  show(room) {
    const text = placesText(room);
    if (byId("places").textContent !== text) byId("places").textContent = text;
    // Keep what the teacher is typing; otherwise show the room's cap.
    if (this.cap.dataset.edited !== "true") this.cap.value = String(room.max_participants);
    byId("room-locked").checked = room.locked;
    mark("locked", room.locked);
    mark("banned", room.banned.length);
    byId("banned-empty").hidden = room.banned.length > 0;
    const focused = document.activeElement && document.activeElement.dataset.allow;
    byId("banned-list").replaceChildren(...room.banned.map((entry) => this.item(entry)));
    const again = focused && byId("banned-list").querySelector(`[data-allow="${focused}"]`);
    if (again) again.focus();
    else if (focused) byId("access-heading").focus(); // the one focused was allowed back
  }

  item(entry) {
    const name = entry.name || t("Anonymous");
    return h("li", { class: "banned" },
      h("span", { class: "banned-name" }, bannedText(entry)),
      h("button", { type: "button", class: "secondary", dataset: { allow: entry.id },
        "aria-label": t("Allow {name} back", { name }), onclick: () => this.allow(entry, name) },
      t("Allow back")));
  }

  async act(loc, action, done) {
    this.errors.clear();
    byId("access-status").textContent = "";
    try {
      this.onRoom(await action());
      byId("access-status").textContent = done;
      return true;
    } catch (err) {
      this.errors.show(located(err.detail).map((d) => ({ ...d, loc: [loc] })));
      return false;
    }
  }

  async saveCap() {
    const value = Number(this.cap.value);
    if (!this.cap.value.trim() || !Number.isInteger(value) || value < 1) {
      this.errors.clear();
      this.errors.show([{ loc: ["max_participants"], msg: t('"{value}" is not a number of participants: type a whole number, 1 or more.',
        { value: this.cap.value }) }]);
      this.cap.focus();
      return;
    }
    const saved = await this.act("max_participants",
      () => configureRoom(this.code, { max_participants: value }),
      tn("At most {n} participant can join.", "At most {n} participants can join.", value));
    if (saved) delete this.cap.dataset.edited;
    else this.cap.focus();
  }

  async saveLock() {
    const locked = byId("room-locked").checked;
    const saved = await this.act("locked", () => configureRoom(this.code, { locked }),
      locked ? t("The room is locked: no one new can join.") : t("The room is open to new joins."));
    if (!saved) byId("room-locked").checked = !locked;
  }

  allow(entry, name) {
    return this.act("banned", () => allowBack(this.code, entry.id),
      t("{name} may join again.", { name }));
  }
}
