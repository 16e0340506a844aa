// The open room's join card on the Classroom page: the code, large enough to read from the
// back of a classroom, the join link, and the teacher key (shown once, at creation), each
// with a copy button; the link that opens the room page on the projector, and the one
// that compares the class's runs (/compare?room=CODE).

import { byId } from "../../ui/dom.js";

/** Copy `input`'s text; where the clipboard is refused (a page not served over https
 * or localhost), select it for Ctrl+C instead. Returns what to tell the user. */
async function copyField(input, what) {
  try {
    await navigator.clipboard.writeText(input.value);
    return `${what} copied.`;
  } catch {
    input.focus();
    input.select();
    return `The clipboard is not available here: the ${what.toLowerCase()} is selected, `
      + "copy it with Ctrl+C.";
  }
}

export class RoomCard {
  constructor() {
    const copy = (input, what) => async () => {
      byId("copy-status").textContent = await copyField(byId(input), what);
    };
    byId("copy-url").addEventListener("click", copy("join-url", "Join link"));
    byId("copy-key").addEventListener("click", copy("teacher-key", "Teacher key"));
  }

  /** room: a RoomView; joinUrl: from POST /api/rooms (else made from the code); key: only
   * right after creation. */
  show(room, joinUrl, key) {
    const url = new URL(joinUrl || `/join/${room.code}`, window.location.origin);
    byId("open-title").textContent = room.title || `Room ${room.code}`;
    const code = byId("join-code");
    code.textContent = room.code;
    // Read out letter by letter: "K 7 M N P Q", not a word.
    code.setAttribute("aria-label", `Join code ${[...room.code].join(" ")}`);
    byId("join-host").textContent = `${url.host}/join`;
    byId("join-url").value = url.href;
    byId("projector-link").href = `/room/${encodeURIComponent(room.code)}?present=1`;
    byId("compare-link").href = `/compare?room=${encodeURIComponent(room.code)}`;
    byId("key-block").hidden = !key;
    byId("teacher-key").value = key || "";
    byId("copy-status").textContent = "";
  }
}
