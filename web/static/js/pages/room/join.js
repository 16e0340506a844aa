// The join page (/join, /join/<code>): a student types the room code (the address may
// carry it) and an optional name; POST /api/rooms/{code}/join, then the room page. A wrong
// code, a closed room or a kick is said next to the code field.

import { joinRoom, listRooms } from "../../api_rooms.js";
import { t } from "../../i18n.js";
import { byId, h } from "../../ui/dom.js";
import { FieldErrors } from "../../ui/field_errors.js";
import { CODE_LETTERS, located, normalCode, roomTitle, setFlag } from "./state.js";

const NAME_KEY = "cnnpg.join.name";

function why(status, code, msg) {
  if (status === 404) return t("No open room has the code {code}: check it with your teacher.", { code });
  if (status === 410) return t("Room {code} is closed: ask your teacher for the new code.", { code });
  if (status === 403) return t("You cannot join room {code}: {reason}", { code, reason: msg });
  return msg;
}

class JoinPage {
  constructor() {
    this.errors = new FieldErrors(byId("join-form"));
    try {
      byId("join-name").value = localStorage.getItem(NAME_KEY) || "";
    } catch {
      // storage disabled: the name starts empty
    }
    byId("join-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.join();
    });
    const input = byId("join-code-input");
    (input.value ? byId("join-name") : input).focus();
  }

  async join() {
    this.errors.clear();
    setFlag("error", false);
    const typed = byId("join-code-input").value;
    const code = normalCode(typed);
    if (!code) {
      this.fail([{ loc: ["code"], msg: t('"{typed}" is not a room code: it has six characters from {letters}.',
        { typed: typed.trim(), letters: CODE_LETTERS.split("").join(" ") }) }]);
      return;
    }
    const name = byId("join-name").value.trim();
    setFlag("starting", true);
    try {
      await joinRoom(code, name);
      try {
        localStorage.setItem(NAME_KEY, name);
      } catch {
        // not kept: typed again next time
      }
      window.location.assign(`/room/${encodeURIComponent(code)}`);
    } catch (err) {
      setFlag("starting", false);
      const detail = located(err.detail);
      this.fail(detail.map((d) => (d.loc[0] === "name" ? d
        : { ...d, loc: ["code"], msg: why(err.status, code, d.msg) })));
    }
  }

  fail(detail) {
    this.errors.show(detail);
    setFlag("error", true);
    const first = this.errors.shown[0];
    if (first && first.control) first.control.focus();
  }

  async showJoined() {
    const { joined } = await listRooms();
    byId("joined-rooms").hidden = joined.length === 0;
    const named = (room) => (room.title ? roomTitle(room) : t("Room"));
    byId("joined-list").replaceChildren(...joined.map((room) => h("li", {},
      h("a", { href: `/room/${encodeURIComponent(room.code)}` },
        `${named(room)} (${room.code})`))));
  }
}

async function boot() {
  const page = new JoinPage();
  try {
    await page.showJoined();
  } catch {
    // the list is a convenience: joining by code works without it
  }
  setFlag("booting", false);
}

boot();
