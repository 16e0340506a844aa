// The room page's banner: the room's title and code, who you are in it, the connection, and
// what the teacher shows (read out when it changes); and how a room ends for this page.

import { byId } from "../../ui/dom.js";
import { describeBroadcast, mark } from "./state.js";

const CONNECTION = {
  open: "Connected: live.",
  reconnecting: "Connection lost: reconnecting\u2026",
  connecting: "Connecting\u2026",
};

const ENDINGS = {
  kicked: "The teacher removed you from this room. What you forked is still yours, in this "
    + "browser.",
  closed: "The teacher closed this room. What you forked is still yours, in this browser.",
  gone: "There is no open room with this code that you have joined: check the code with "
    + "your teacher.",
};

export function showRoom(room) {
  byId("room-title").textContent = room.title || `Room ${room.code}`;
  byId("room-code").textContent = room.code;
  document.title = `${room.title || "Room"} (${room.code}) - CNN Playground`;
  byId("room-you").textContent = room.teacher ? "You are the teacher of this room."
    : `You joined as ${(room.you && room.you.name) || "a guest (no name)"}.`;
  byId("leave-button").hidden = room.teacher;
  byId("manage-link").hidden = !room.teacher;
  const what = `The teacher shows: ${describeBroadcast(room.broadcast)}`;
  if (byId("broadcast-what").textContent !== what) byId("broadcast-what").textContent = what;
}

/** state: "open" | "reconnecting" | "connecting". */
export function showConnection(state) {
  byId("room-connection").textContent = CONNECTION[state];
  byId("room-connection").dataset.state = state;
  mark("room", state === "open" ? "live" : state);
}

/** The room ended for this page (reason: kicked, closed, gone, forbidden, left): say so
 * where the broadcast was, and offer the way on. */
export function showEnded(reason, message) {
  mark("room", reason);
  byId("room-body").hidden = true;
  byId("leave-button").hidden = true;
  byId("room-connection").textContent = "Not connected.";
  byId("room-connection").dataset.state = "ended";
  byId("broadcast-what").textContent = "";
  const node = byId("room-ended");
  node.hidden = false;
  byId("room-ended-text").textContent = ENDINGS[reason] || message;
  node.focus();
}
