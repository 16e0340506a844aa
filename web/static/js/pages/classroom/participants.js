// The teacher's participant list (from the room socket's RoomView): name, online or not
// (in words and with a symbol, never by colour alone), and a Kick button each. Kick asks
// first, in a dialog that offers to block the participant's network address too: ticked
// when no one else in the room uses it, with the school-network caveat when others do.

import { kickParticipant } from "../../api_rooms.js";
import { t, tn } from "../../i18n.js";
import { byId, h } from "../../ui/dom.js";
import { FieldErrors } from "../../ui/field_errors.js";
import { mark } from "../room/state.js";

/** What blocking the address would do, given how many others in the room use it. */
export function blockHint(others) {
  if (!others) {
    return t("No one else in the room uses this address, so it is blocked by default: a new private window on the same device cannot come back. On another network (mobile data, another Wi-Fi) they still can.");
  }
  return tn("{n} other in the room (you count) use this address: it is probably the school's network. Blocking it also keeps out classmates on it who join later (those already in stay), so it is not blocked by default.",
    "{n} others in the room (you count) use this address: it is probably the school's network. Blocking it also keeps out classmates on it who join later (those already in stay), so it is not blocked by default.",
    others);
}

function countText(room) {
  const n = room.participant_count;
  if (!n) return t("No one has joined yet.");
  return tn("{n} participant, {online} online.", "{n} participants, {online} online.", n,
    { online: room.online_count });
}

export class Participants {
  /** onRoom(room): the RoomView a kick answered with. `code`: the room, set when open. */
  constructor(onRoom) {
    this.code = null;
    this.onRoom = onRoom;
    this.list = byId("participant-list");
    this.errors = new FieldErrors(byId("participants-panel"));
    this.asking = null; // {participant, name} while the kick dialog is open
    byId("kick-dialog").addEventListener("close", () => this.answered());
  }

  show(room) {
    const text = countText(room);
    // aria-live speaks changes only: keep the node's text as it is when nothing changed.
    if (byId("participant-count").textContent !== text) byId("participant-count").textContent = text;
    mark("participants", room.participant_count);
    const focused = document.activeElement && document.activeElement.dataset.participant;
    this.list.replaceChildren(...room.participants.map((p) => this.item(p)));
    const again = focused && this.list.querySelector(`[data-participant="${focused}"]`);
    if (again) again.focus();
    else if (focused) byId("participants-heading").focus(); // the one focused was removed
  }

  item(p) {
    const name = p.name || t("Anonymous");
    return h("li", { class: "participant", dataset: { online: String(p.online) } },
      h("span", { class: "presence", "aria-hidden": "true" }, p.online ? "\u25cf" : "\u25cb"),
      h("span", { class: "participant-name" }, name),
      h("span", { class: "hint" }, p.online ? t("online") : t("offline")),
      h("button", { type: "button", class: "secondary kick", dataset: { participant: p.id },
        "aria-label": t("Kick {name}", { name }), onclick: () => this.ask(p, name) }, t("Kick")));
  }

  ask(participant, name) {
    this.asking = { participant, name };
    byId("kick-name").textContent = name;
    byId("kick-block").checked = participant.shares_address_with === 0;
    byId("kick-block-hint").textContent = blockHint(participant.shares_address_with);
    byId("kick-dialog").returnValue = "";
    byId("kick-dialog").showModal();
  }

  answered() {
    const { participant, name } = this.asking || {};
    this.asking = null;
    if (!participant) return;
    if (byId("kick-dialog").returnValue === "kick") {
      this.kick(participant, name, byId("kick-block").checked);
      return;
    }
    const button = this.list.querySelector(`[data-participant="${participant.id}"]`);
    if (button) button.focus();
  }

  async kick(participant, name, block) {
    this.errors.clear();
    try {
      byId("kick-status").textContent = "";
      this.onRoom(await kickParticipant(this.code, participant.id, block));
      byId("kick-status").textContent = block
        ? t("{name} was removed from the room; their network address is blocked.", { name })
        : t("{name} was removed from the room.", { name });
    } catch (err) {
      this.errors.show(err.detail.map((d) => ({ ...d, loc: ["participant_id"] })));
    }
    byId("participants-heading").focus();
  }
}
