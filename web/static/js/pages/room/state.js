// What the classroom pages expose for tests and styles, next to body[data-state] (kept by
// training/page_state.js: busy, error, idle, or the watched run's state):
// body[data-room] the room connection ("connecting", "live", "reconnecting", or how it
// ended: "kicked", "closed", "gone", "forbidden"), body[data-broadcast] the kind shown,
// body[data-participants] the teacher's participant count.

import { localMessage } from "../../error_messages.js";
import { t, tn, tx } from "../../i18n.js";

export { bootPage, setFlag } from "../training/page_state.js";

export function mark(name, value) {
  if (value === null || value === undefined) delete document.body.dataset[name];
  else document.body.dataset[name] = String(value);
}

/** The message of an ApiError (or of a websocket's error message). */
export function messageOf(error) {
  const detail = error && (error.detail || (error.message ? [{ msg: error.message }] : []));
  return (detail || []).map((d) => localMessage(d) || d.msg).join("; ")
    || t("something went wrong");
}

export const CODE_LETTERS = "ACDEFHJKMNPQRTUVWXY3479";

/** "k7m npq" -> "K7MNPQ"; null when it cannot be a room code (docs/classroom.md). */
export function normalCode(text) {
  const code = String(text || "").replace(/[\s-]/g, "").toUpperCase();
  return code.length === 6 && [...code].every((c) => CODE_LETTERS.includes(c)) ? code : null;
}

/** The code in /room/<code> or /join/<code>. */
export function codeFromPath() {
  const match = /^\/(?:room|join)\/([^/]+)\/?$/.exec(window.location.pathname);
  return match ? decodeURIComponent(match[1]).toUpperCase() : "";
}

/** A room's title as its teacher typed it; the server's default ("Classroom", for a room
 * created without one) in the page's language. */
export function roomTitle(room) {
  return room.title === "Classroom" ? t("Classroom") : room.title;
}

/** Server errors for FieldErrors: loc without its "body" / "path" head. */
export function located(detail) {
  return detail.map((d) => ({ ...d, loc: (d.loc || []).filter((p, i) => i > 0
    || !["body", "path", "query"].includes(p)) }));
}

/** A broadcast's title in the page's language: written from its parts where the server
 * made it (a run: network and dataset; a network: its layer count), else as sent. */
function shownTitle(broadcast) {
  const parts = broadcast.title_parts || {};
  if (broadcast.kind === "run" && parts.network !== undefined) {
    return t("{network} on {dataset}", { network: tx(String(parts.network)),
      dataset: String(parts.dataset) });
  }
  if (broadcast.kind === "network" && typeof parts.layers === "number") {
    return tn("a network of {n} layer", "a network of {n} layers", parts.layers);
  }
  // the Kernel Lab's title is the server's own; a model's or dataset's is its owner's name
  return broadcast.kind === "kernel_lab" ? tx(broadcast.title) : broadcast.title;
}

/** What a room shows, in words (the banner, the teacher's "What the class sees"). */
export function describeBroadcast(broadcast) {
  const title = broadcast.title ? shownTitle(broadcast) : "";
  switch (broadcast.kind) {
    case "none": return t("Nothing is shown yet.");
    case "run": return title ? t("A live training run: {title}.", { title })
      : t("A live training run.");
    case "network": return title ? t("A network: {title}.", { title }) : t("A network.");
    case "model": return title ? t("A trained model: {title}.", { title })
      : t("A trained model.");
    case "dataset": return title ? t("A dataset: {title}.", { title }) : t("A dataset.");
    case "kernel_lab": return t("The Kernel Lab (follow me).");
    default: return t("Something this page does not know ({kind}).", { kind: broadcast.kind });
  }
}
