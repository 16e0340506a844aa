// The open room's join card on the Classroom page: the code, large enough to read from the
// back of a classroom, the join link, and the teacher key (shown once, at creation), each
// with a copy button; the link that opens the room page on the projector, and the one
// that compares the class's runs (/compare?room=CODE).

import { t } from "../../i18n.js";
import { byId } from "../../ui/dom.js";
import { roomTitle } from "../room/state.js";

// What to say once a field is copied, or selected where the clipboard is refused.
const SAID = {
  "join-url": { copied: () => t("Join link copied."),
    selected: () => t("The clipboard is not available here: the join link is selected, copy it with Ctrl+C.") },
  "teacher-key": { copied: () => t("Teacher key copied."),
    selected: () => t("The clipboard is not available here: the teacher key is selected, copy it with Ctrl+C.") },
};

/** Copy `input`'s text; where the clipboard is refused (a page not served over https
 * or localhost), select it for Ctrl+C instead. Returns what to tell the user. */
async function copyField(input) {
  try {
    await navigator.clipboard.writeText(input.value);
    return SAID[input.id].copied();
  } catch {
    input.focus();
    input.select();
    return SAID[input.id].selected();
  }
}

export class RoomCard {
  constructor() {
    const copy = (input) => async () => {
      byId("copy-status").textContent = await copyField(byId(input));
    };
    byId("copy-url").addEventListener("click", copy("join-url"));
    byId("copy-key").addEventListener("click", copy("teacher-key"));
  }

  /** room: a RoomView; joinUrl: from POST /api/rooms (else made from the code); key: only
   * right after creation. */
  show(room, joinUrl, key) {
    const url = new URL(joinUrl || `/join/${room.code}`, window.location.origin);
    byId("open-title").textContent = room.title ? roomTitle(room) : t("Room {code}",
      { code: room.code });
    const code = byId("join-code");
    code.textContent = room.code;
    // Read out letter by letter: "K 7 M N P Q", not a word.
    code.setAttribute("aria-label", t("Join code {letters}", { letters: [...room.code].join(" ") }));
    byId("join-host").textContent = `${url.host}/join`;
    byId("join-url").value = url.href;
    byId("projector-link").href = `/room/${encodeURIComponent(room.code)}?present=1`;
    byId("compare-link").href = `/compare?room=${encodeURIComponent(room.code)}`;
    byId("key-block").hidden = !key;
    byId("teacher-key").value = key || "";
    byId("copy-status").textContent = "";
  }
}
