// The Layers / Visualize views: an ARIA tab list (arrow keys, Home and End move between
// the tabs; the selected tab is the only one in the Tab order).

export class Tabs {
  /** onShow(panelId) after a panel is shown. */
  constructor(tablist, onShow) {
    this.tabs = [...tablist.querySelectorAll('[role="tab"]')];
    this.onShow = onShow;
    for (const tab of this.tabs) tab.addEventListener("click", () => this.select(tab));
    tablist.addEventListener("keydown", (e) => this.key(e));
  }

  current() {
    return this.tabs.find((t) => t.getAttribute("aria-selected") === "true");
  }

  select(tab, focus = false) {
    for (const t of this.tabs) {
      const on = t === tab;
      t.setAttribute("aria-selected", String(on));
      t.tabIndex = on ? 0 : -1;
      document.getElementById(t.getAttribute("aria-controls")).hidden = !on;
    }
    if (focus) tab.focus();
    this.onShow(tab.getAttribute("aria-controls"));
  }

  key(event) {
    const i = this.tabs.indexOf(event.target);
    if (i < 0) return;
    const n = this.tabs.length;
    const next = { ArrowRight: (i + 1) % n, ArrowLeft: (i - 1 + n) % n, Home: 0, End: n - 1 }[
      event.key];
    if (next === undefined) return;
    event.preventDefault();
    this.select(this.tabs[next], true);
  }
}
