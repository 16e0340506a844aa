// Your runs (GET /api/runs lists only this session's), newest first; each links to
// #run=<id>, which re-attaches the page to it (a reload keeps the address, so it
// re-attaches too).

import { listRuns } from "../../api.js";
import { t, tx } from "../../i18n.js";
import { byId, h } from "../../ui/dom.js";

const STATUS = {
  queued: t("queued"), running: t("running"), paused: t("paused"), finished: t("finished"),
  stopped: t("stopped"), failed: t("failed"),
};

export class RunsList {
  constructor() {
    this.body = byId("runs-body");
    this.current = null;
    byId("runs-refresh").addEventListener("click", () => this.refresh());
  }

  async refresh() {
    try {
      const { runs } = await listRuns();
      this.show(runs);
    } catch (err) {
      byId("runs-empty").hidden = false;
      byId("runs-empty").textContent = t("The runs could not be listed: {error}",
        { error: err.message });
    }
  }

  setCurrent(id) {
    this.current = id;
    for (const row of this.body.rows) {
      if (row.dataset.run === id) row.setAttribute("aria-current", "true");
      else row.removeAttribute("aria-current");
    }
  }

  show(runs) {
    byId("runs-empty").hidden = runs.length > 0;
    byId("runs-empty").textContent = t("No runs yet.");
    byId("runs-table").hidden = runs.length === 0;
    this.body.replaceChildren(...runs.map((run) => h("tr", {
      dataset: { run: run.id }, "aria-current": run.id === this.current ? "true" : null,
    },
    h("th", { scope: "row" }, h("a", { href: `#run=${encodeURIComponent(run.id)}`,
      "aria-label": t("Open run {id}", { id: run.id }) }, run.id)),
    h("td", {}, tx(run.network)), h("td", {}, run.dataset),
    h("td", {}, h("span", { class: "status-pill", dataset: { status: run.status } },
      STATUS[run.status] || run.status)),
    h("td", {}, `${run.epoch} / ${run.epochs}`))));
  }
}
