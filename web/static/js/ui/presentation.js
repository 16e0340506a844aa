// Presentation mode for a projector (the Training page and the room page): large type, high
// contrast, only the panels chosen (remembered in this browser), and keyboard shortcuts:
// P toggles it, Space starts / pauses / resumes, N steps once while paused, Escape leaves.
// ?present=1 in the address opens a page in it. State: body[data-presenting="true"].
// The page's panels are the elements with data-panel (and data-panel-label); the bar is
// web/templates/_presentation_bar.html.

import { byId, h } from "./dom.js";
import { t } from "../i18n.js";

const TYPING = "input:not([type=checkbox]):not([type=radio]), select, textarea, [contenteditable]";
const CLICKABLE = "button, a[href], summary, input, select, textarea, label";

function storageKey() {
  return `cnnpg.present.${document.body.dataset.page || "page"}`;
}

function loadHidden() {
  try {
    const hidden = JSON.parse(localStorage.getItem(storageKey()) || "[]");
    return new Set(Array.isArray(hidden) ? hidden : []);
  } catch {
    return new Set();
  }
}

export class Presentation {
  /** onSpace() / onNext(): act and return what to announce, or false when nothing
   * applies (a promise of either is fine). */
  constructor({ onSpace, onNext }) {
    this.onSpace = onSpace;
    this.onNext = onNext;
    this.toggleButton = byId("present-toggle");
    this.status = byId("present-status");
    this.hidden = loadHidden();
    this.buildChoices();
    this.toggleButton.addEventListener("click", () => this.set(!this.on));
    document.addEventListener("keydown", (event) => this.key(event));
    this.set(new URLSearchParams(window.location.search).get("present") === "1", false);
  }

  buildChoices() {
    const panels = [...document.querySelectorAll("[data-panel]")];
    byId("present-choices").replaceChildren(...panels.map((panel) => {
      const name = panel.dataset.panel;
      const box = h("input", { type: "checkbox", id: `present-panel-${name}`,
        checked: !this.hidden.has(name), onchange: (event) => this.choose(name, event) });
      return h("li", { class: "check" }, box,
        h("label", { for: box.id }, panel.dataset.panelLabel || name));
    }));
    this.apply();
  }

  choose(name, event) {
    if (event.target.checked) this.hidden.delete(name);
    else this.hidden.add(name);
    try {
      localStorage.setItem(storageKey(), JSON.stringify([...this.hidden]));
    } catch {
      // storage disabled: the choice lasts until the page is closed
    }
    this.apply();
  }

  apply() {
    for (const panel of document.querySelectorAll("[data-panel]")) {
      panel.toggleAttribute("data-present-hidden", this.hidden.has(panel.dataset.panel));
    }
  }

  /** Turn presentation mode on or off; the address keeps ?present=1 while it is on. */
  set(on, announce = true) {
    this.on = on;
    document.documentElement.classList.toggle("presenting", on);
    document.body.dataset.presenting = String(on);
    this.toggleButton.setAttribute("aria-pressed", String(on));
    this.toggleButton.textContent = on ? t("Leave presentation mode") : t("Presentation mode");
    const url = new URL(window.location.href);
    if (on) url.searchParams.set("present", "1");
    else url.searchParams.delete("present");
    history.replaceState(history.state, "", url);
    if (on) byId("present-bar").scrollIntoView({ block: "start" }); // the layout just changed
    if (!announce) return;
    this.say(on ? t("Presentation mode: P or Escape to leave.") : t("Presentation mode is off."));
    // Space and N reach the shortcuts, not the button that was just pressed.
    if (on && document.activeElement === this.toggleButton) byId("present-bar").focus();
  }

  say(text) {
    this.status.textContent = text;
  }

  key(event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
    const target = event.target instanceof Element ? event.target : document.body;
    if (target.closest(TYPING)) return; // typing a value: letters are letters
    const key = event.key.toLowerCase();
    if (key === "p") this.set(!this.on);
    else if (!this.on) return;
    else if (key === "escape") this.set(false);
    else if (key === " " && !target.closest(CLICKABLE)) this.act(this.onSpace, event);
    else if (key === "n") this.act(this.onNext, event);
    else return;
    event.preventDefault();
  }

  async act(action, event) {
    event.preventDefault();
    const said = await action();
    this.say(said || (event.key === " " ? t("Space starts, pauses or resumes only your own runs.")
      : t("N steps once while your run is paused.")));
  }
}
