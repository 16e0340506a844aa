// What the classroom pages expose for tests and styles, next to body[data-state] (kept by
// training/page_state.js: busy, error, idle, or the watched run's state):
// body[data-room] the room connection ("connecting", "live", "reconnecting", or how it
// ended: "kicked", "closed", "gone", "forbidden"), body[data-broadcast] the kind shown,
// body[data-participants] the teacher's participant count.

export { bootPage, setFlag } from "../training/page_state.js";

export function mark(name, value) {
  if (value === null || value === undefined) delete document.body.dataset[name];
  else document.body.dataset[name] = String(value);
}

/** The message of an ApiError (or of a websocket's error message). */
export function messageOf(error) {
  const detail = error && (error.detail || (error.message ? [{ msg: error.message }] : []));
  return (detail || []).map((d) => d.msg).join("; ") || "something went wrong";
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

/** Server errors for FieldErrors: loc without its "body" / "path" head. */
export function located(detail) {
  return detail.map((d) => ({ ...d, loc: (d.loc || []).filter((p, i) => i > 0
    || !["body", "path", "query"].includes(p)) }));
}

/** What a room shows, in words (the banner, the teacher's "What the class sees"). */
export function describeBroadcast(broadcast) {
  const title = broadcast.title ? `: ${broadcast.title}` : "";
  return {
    none: "Nothing is shown yet.",
    run: `A live training run${title}.`,
    network: `A network${title}.`,
    model: `A trained model${title}.`,
    dataset: `A dataset${title}.`,
    kernel_lab: "The Kernel Lab (follow me).",
  }[broadcast.kind] || `Something this page does not know (${broadcast.kind}).`;
}
