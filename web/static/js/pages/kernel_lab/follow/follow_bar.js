// The bar above the Kernel Lab that says what "follow me" is doing (a teacher's broadcast,
// a student following or stepped away), and how a student's own changes are noticed.

import { byId, h } from "../../../ui/dom.js";

export class FollowBar {
  constructor() {
    this.box = byId("follow-bar");
    this.text = byId("follow-text");
    this.actions = byId("follow-actions");
  }

  /** message: the text (and an optional .follow-note line); tone: "info" | "away" | "ended". */
  show(message, note, tone, ...actions) {
    const key = JSON.stringify([message, note, tone, actions.map((a) => a && a.outerHTML)]);
    if (key === this.shown && !this.box.hidden) return; // unchanged: not announced again
    this.shown = key;
    const hadFocus = this.box.contains(document.activeElement);
    this.box.hidden = false;
    this.box.dataset.tone = tone;
    this.text.replaceChildren(message, note ? h("span", { class: "follow-note" }, note) : "");
    this.actions.replaceChildren(...actions.filter(Boolean));
    if (hadFocus) (this.actions.querySelector("button, a") || this.box).focus();
  }

  hide() {
    this.box.hidden = true;
  }
}

export function barButton(label, onclick, secondary = false) {
  return h("button", { type: "button", class: secondary ? "secondary" : null, onclick }, label);
}

export function barLink(label, href) {
  return h("a", { href, class: "button secondary" }, label);
}

/** Calls onChange() when the user changes any selection in root (not the zoom, the
 * download link or the follow bar): the page's own updates fire no events. */
export function watchUserChanges(root, onChange) {
  const mine = (target) => target instanceof Element && !target.closest("#follow-bar")
    && target.id !== "zoom-select";
  for (const type of ["input", "change", "drop"]) {
    root.addEventListener(type, (event) => {
      if (mine(event.target)) onChange();
    }, true);
  }
  root.addEventListener("click", (event) => {
    const button = event.target instanceof Element ? event.target.closest("button") : null;
    if (button && mine(button)) onChange();
  }, true);
  const result = byId("result-canvas"); // a pixel tapped or chosen with the arrow keys
  result.addEventListener("pointerdown", onChange, true);
  result.addEventListener("keydown", (event) => {
    if (event.key.startsWith("Arrow")) onChange();
  }, true);
}
