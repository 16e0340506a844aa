// The room page's banner: the room's title and code, who you are in it, the connection, and
// what the teacher shows (read out when it changes); and how a room ends for this page.

import { t } from "../../i18n.js";
import { byId } from "../../ui/dom.js";
import { describeBroadcast, mark, roomTitle } from "./state.js";

const CONNECTION = {
  open: () => t("Connected: live."),
  reconnecting: () => t("Connection lost: reconnecting\u2026"),
  connecting: () => t("Connecting\u2026"),
};

const ENDINGS = {
  kicked: () => t("The teacher removed you from this room. What you forked is still yours, in this browser."),
  closed: () => t("The teacher closed this room. What you forked is still yours, in this browser."),
  gone: () => t("There is no open room with this code that you have joined: check the code with your teacher."),
};

/** The room's title: the teacher's, or the server's default one in the page's language. */
export function headingTitle(room) {
  return room.title ? roomTitle(room) : t("Room {code}", { code: room.code });
}

export function showRoom(room) {
  byId("room-title").textContent = headingTitle(room);
  byId("room-code").textContent = room.code;
  const name = room.title ? roomTitle(room) : t("Room");
  document.title = `${name} (${room.code}) - CNN Playground`;
  byId("room-you").textContent = room.teacher ? t("You are the teacher of this room.")
    : (room.you && room.you.name ? t("You joined as {name}.", { name: room.you.name })
      : t("You joined as a guest (no name)."));
  byId("leave-button").hidden = room.teacher;
  byId("manage-link").hidden = !room.teacher;
  const what = t("The teacher shows: {what}", { what: describeBroadcast(room.broadcast) });
  if (byId("broadcast-what").textContent !== what) byId("broadcast-what").textContent = what;
}

/** state: "open" | "reconnecting" | "connecting". */
export function showConnection(state) {
  byId("room-connection").textContent = CONNECTION[state]();
  byId("room-connection").dataset.state = state;
  mark("room", state === "open" ? "live" : state);
}

/** The room ended for this page (reason: kicked, closed, gone, forbidden, left): say so
 * where the broadcast was, and offer the way on. */
export function showEnded(reason, message) {
  mark("room", reason);
  byId("room-body").hidden = true;
  byId("leave-button").hidden = true;
  byId("room-connection").textContent = t("Not connected.");
  byId("room-connection").dataset.state = "ended";
  byId("broadcast-what").textContent = "";
  const node = byId("room-ended");
  node.hidden = false;
  byId("room-ended-text").textContent = ENDINGS[reason] ? ENDINGS[reason]() : message;
  node.focus();
}
