// The teacher's participant list (from the room socket's RoomView): name, online or not
// (in words and with a symbol, never by colour alone), and a Kick button each.

import { kickParticipant } from "../../api.js";
import { byId, h } from "../../ui/dom.js";
import { FieldErrors } from "../../ui/field_errors.js";
import { mark } from "../room/state.js";

function countText(room) {
  const n = room.participant_count;
  if (!n) return "No one has joined yet.";
  return `${n} participant${n === 1 ? "" : "s"}, ${room.online_count} online.`;
}

export class Participants {
  /** onRoom(room): the RoomView a kick answered with. `code`: the room, set when open. */
  constructor(onRoom) {
    this.code = null;
    this.onRoom = onRoom;
    this.list = byId("participant-list");
    this.errors = new FieldErrors(byId("participants-panel"));
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
    const name = p.name || "Anonymous";
    return h("li", { class: "participant", dataset: { online: String(p.online) } },
      h("span", { class: "presence", "aria-hidden": "true" }, p.online ? "\u25cf" : "\u25cb"),
      h("span", { class: "participant-name" }, name),
      h("span", { class: "hint" }, p.online ? "online" : "offline"),
      h("button", { type: "button", class: "secondary kick", dataset: { participant: p.id },
        "aria-label": `Kick ${name}`, onclick: () => this.kick(p, name) }, "Kick"));
  }

  async kick(participant, name) {
    this.errors.clear();
    try {
      byId("kick-status").textContent = "";
      this.onRoom(await kickParticipant(this.code, participant.id));
      byId("kick-status").textContent = `${name} was removed from the room.`;
    } catch (err) {
      this.errors.show(err.detail.map((d) => ({ ...d, loc: ["participant_id"] })));
    }
  }
}
