// The room page's language suggestion: when the teacher's page language (the room's
// `language`, sent when the room was created) is not this page's, a small note says so in
// the teacher's language and in this page's, with a link to this page in the teacher's
// (?lang=<tag>). Never switched automatically; dismissed, it stays away for this room and
// language (localStorage).

import { fill, lang, t } from "../../i18n.js";
import { byId, h } from "../../ui/dom.js";

const PREFIX = "cnnpg.room.language."; // + <room code>: the language whose note was dismissed
// The two messages, looked up in the teacher's catalogue too; this page's go through t()
// below, written out, so that the extractor finds them.
const USES = "Your teacher uses {language}.";
const SWITCH = "Switch to {language}";

let shown = null; // "<code> <tag>" of the note on the page

function dismissed(code) {
  try {
    return localStorage.getItem(PREFIX + code);
  } catch {
    return null;
  }
}

function remember(code, tag) {
  try {
    localStorage.setItem(PREFIX + code, tag);
  } catch {
    // not kept: the note comes back after a reload
  }
}

/** The language's own name, as the header's switcher lists it ("Português (Brasil)"). */
function languageName(tag) {
  const option = [...document.querySelectorAll("#language-select option")]
    .find((o) => o.value === tag);
  return option ? option.textContent.trim() : tag;
}

/** This page's address in `tag`. */
export function addressIn(tag, href = window.location.href) {
  const url = new URL(href);
  url.searchParams.set("lang", tag);
  return url.toString();
}

/** The two messages in the teacher's language: from its catalogue (English: the source). */
async function inTeachersLanguage(tag) {
  if (tag === "en") return { uses: USES, switchTo: SWITCH };
  try {
    const response = await fetch(`/api/i18n/${encodeURIComponent(tag)}`,
      { credentials: "same-origin" });
    const { messages: found } = await response.json();
    const text = (id) => (typeof found[id] === "string" ? found[id] : id);
    return { uses: text(USES), switchTo: text(SWITCH) };
  } catch {
    return { uses: USES, switchTo: SWITCH }; // the note still says it, in English
  }
}

function line(node, uses, switchTo, href) {
  node.replaceChildren(uses, " ", h("a", { href, class: "room-language-switch" }, switchTo));
}

export function hideLanguageNote() {
  byId("room-language").hidden = true;
  shown = null;
}

/** room: a RoomView. Shows the note to a student whose page is not in the teacher's
 * language (once per room and language, until dismissed). */
export async function suggestLanguage(room) {
  const tag = room.language;
  if (room.teacher || !tag || tag === lang || dismissed(room.code) === tag) {
    if (shown) hideLanguageNote();
    return;
  }
  const key = `${room.code} ${tag}`;
  if (shown === key) return;
  shown = key;
  const params = { language: languageName(tag) };
  const href = addressIn(tag);
  const theirs = await inTeachersLanguage(tag);
  if (shown !== key) return; // hidden or replaced meanwhile
  const teacherLine = byId("room-language-teacher");
  teacherLine.lang = tag;
  line(teacherLine, fill(theirs.uses, params), fill(theirs.switchTo, params), href);
  line(byId("room-language-yours"), t("Your teacher uses {language}.", params),
    t("Switch to {language}", params), href);
  const note = byId("room-language");
  note.dataset.language = tag;
  note.hidden = false;
  byId("room-language-dismiss").onclick = () => {
    remember(room.code, tag);
    hideLanguageNote();
    byId("room-title").focus();
  };
}
