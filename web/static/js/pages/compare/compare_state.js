// The comparison's view in the page address, so that a link reproduces it exactly:
// /compare?runs=<id>,<id>&x=epoch|step&curves=training,validation[&room=CODE&scatter=key].
// parseView(serializeView(view)).view deep-equals view, and serializeView(parseView(q).view)
// gives q back for any address this page wrote (web/tests/compare_state.test.js).

import { t } from "../../i18n.js";

import { normalCode } from "../room/state.js";

export const MIN_RUNS = 2;
export const MAX_RUNS = 6;
export const AXES = ["epoch", "step"];
export const CURVES = ["training", "validation"];
export const SCATTER_DEFAULT = "training.learning_rate";
const RUN_ID = /^[A-Za-z0-9_-]{1,80}$/;
const SETTING = /^[a-z_]+(\.[a-z_]+)*$/;

/** The view with nothing chosen: the page's start. */
export function defaultView(room = null) {
  return { runs: [], x: "epoch", curves: [...CURVES], room,
    scatter: room ? SCATTER_DEFAULT : null };
}

function listOf(text) {
  return String(text || "").split(",").map((part) => part.trim()).filter(Boolean);
}

function parseRuns(params, problems) {
  const named = listOf(params.get("runs"));
  const runs = [...new Set(named.filter((id) => RUN_ID.test(id)))];
  if (runs.length < named.length) {
    problems.push(t("The link names some runs twice or names something that is not a run id; those are left out."));
  }
  if (runs.length > MAX_RUNS) {
    problems.push(t("The link names {count} runs; at most {max} can be compared, so the first {max} are chosen.",
      { count: runs.length, max: MAX_RUNS }));
  }
  return runs.slice(0, MAX_RUNS);
}

function parseCurves(params, problems) {
  if (!params.has("curves")) return [...CURVES];
  const named = listOf(params.get("curves"));
  if (named.some((c) => !CURVES.includes(c))) {
    problems.push(t("The link's curves= holds something other than {first} and {second}; that part is left out.",
      { first: CURVES[0], second: CURVES[1] }));
  }
  return CURVES.filter((c) => named.includes(c));
}

/** {view, problems}: the view a query string ("?runs=...") asks for, and what in it could
 * not be used, in words (the page shows them; the rest of the view still opens). */
export function parseView(search) {
  const params = new URLSearchParams(search);
  const problems = [];
  let room = null;
  if (params.has("room")) {
    room = normalCode(params.get("room"));
    if (!room) problems.push(t("The link's room code is not one a room can have; it is left out."));
  }
  const view = { ...defaultView(room), runs: parseRuns(params, problems),
    curves: parseCurves(params, problems) };
  const x = params.get("x");
  if (x !== null && !AXES.includes(x)) {
    problems.push(t("The link asks for x={x}; the axis is epochs or steps, so epochs are used.",
      { x }));
  } else if (x !== null) view.x = x;
  const scatter = params.get("scatter");
  if (room && scatter !== null) {
    if (SETTING.test(scatter)) view.scatter = scatter;
    else problems.push(t("The link's scatter= is not a setting's name; the learning rate is used."));
  }
  return { view, problems };
}

/** The query string ("?runs=...") of a view: every part, always in the same order. */
export function serializeView(view) {
  const parts = [`runs=${view.runs.map(encodeURIComponent).join(",")}`, `x=${view.x}`,
    `curves=${CURVES.filter((c) => view.curves.includes(c)).join(",")}`];
  if (view.room) {
    parts.push(`room=${encodeURIComponent(view.room)}`);
    parts.push(`scatter=${encodeURIComponent(view.scatter || SCATTER_DEFAULT)}`);
  }
  return `?${parts.join("&")}`;
}

/** The view with one run ticked (added last, keeping the colours of the others) or
 * unticked; {view, error} when a seventh would be added. */
export function toggleRun(view, id, chosen) {
  if (!chosen) return { view: { ...view, runs: view.runs.filter((r) => r !== id) } };
  if (view.runs.includes(id)) return { view };
  if (view.runs.length >= MAX_RUNS) {
    return { view, error: t("At most {max} runs can be compared: untick one first.",
      { max: MAX_RUNS }) };
  }
  return { view: { ...view, runs: [...view.runs, id] } };
}
