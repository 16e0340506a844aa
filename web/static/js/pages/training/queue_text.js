// A queued run's place in line, in words: "2nd in line, about 20 s". Pure: no DOM.

import { formatNumber, lang, t, tn, tx } from "../../i18n.js";

/** 1 -> "1st", 2 -> "2nd", 11 -> "11th", 23 -> "23rd" (in pt-BR: 1º, 2º, 23º). */
export function ordinal(n) {
  if (lang !== "en") return `${n}\u00ba`;
  const tens = n % 100;
  if (tens >= 11 && tens <= 13) return `${n}th`;
  return `${n}${{ 1: "st", 2: "nd", 3: "rd" }[n % 10] || "th"}`;
}

/** Seconds as a short estimate: "under 5 s", "about 20 s", "about 3 min". */
export function roughWait(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "";
  if (seconds < 5) return t("under 5 s");
  if (seconds < 90) return t("about {n} s", { n: Math.round(seconds / 5) * 5 });
  return t("about {n} min", { n: Math.round(seconds / 60) });
}

/** 1536 -> "1.5 KB", 3145728 -> "3.0 MB" (as the server's human_bytes, in the page's numbers). */
export function humanBytes(n) {
  const mb = n >= 1024 * 1024;
  const value = formatNumber(n / (mb ? 1024 * 1024 : 1024),
    { minimumFractionDigits: 1, maximumFractionDigits: 1, useGrouping: false });
  return `${value} ${mb ? "MB" : "KB"}`;
}

/** Why a run waits, by the server's reason_type, from its reason_ctx (server/training/
 * executors/scheduling.py: `because`). */
export const QUEUE_REASONS = {
  session_limit: (c) => tn("your session already trains {n} run at once",
    "your session already trains {n} runs at once", c.runs),
  slots_busy: (c) => tn("all {n} training slot is busy", "all {n} training slots are busy", c.slots),
  memory: (c) => t("it needs about {needed} and {free} of device memory is free",
    { needed: humanBytes(c.needed_bytes), free: humanBytes(c.free_bytes) }),
  no_worker: (c) => t("no worker can start: {problem}", { problem: tx(c.problem) }),
  warming_up: () => t("waiting for a warm worker"),
};

/** The reason in the page's language; in English the server's own words, as sent. */
export function queueReason(queue) {
  const render = queue && QUEUE_REASONS[queue.reason_type];
  if (!queue || !queue.reason) return "";
  if (lang === "en" || !render) return tx(queue.reason);
  return render(queue.reason_ctx || {});
}

/**
 * queue: {position, wait_s, reason, reason_type, reason_ctx} from the server; elapsed:
 * seconds since it came.
 * "next in line" for position 1; the wait counts down with `elapsed`, never below zero.
 */
export function queueText(queue, elapsed = 0) {
  if (!queue || !queue.position) return "";
  const left = queue.wait_s === null || queue.wait_s === undefined ? null
    : Math.max(0, queue.wait_s - elapsed);
  const wait = roughWait(left);
  if (queue.position === 1) return wait ? t("Next in line, {wait}", { wait }) : t("Next in line");
  const place = ordinal(queue.position);
  return wait ? t("{place} in line, {wait}", { place, wait }) : t("{place} in line", { place });
}
