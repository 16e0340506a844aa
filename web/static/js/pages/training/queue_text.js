// A queued run's place in line, in words: "2nd in line, about 20 s". Pure: no DOM.

import { lang, t } from "../../i18n.js";

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

/**
 * queue: {position, wait_s, reason} from the server; elapsed: seconds since it came.
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
