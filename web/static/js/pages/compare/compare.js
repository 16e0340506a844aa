// The Compare page (/compare): choose 2 to 6 runs (yours, or in a room you teach the
// class's), see their loss and accuracy on shared axes, their settings with the differences
// marked, and how each ended. The address always holds the view (compare_state.js), so
// Copy link gives a link that reproduces it. body[data-state] is "busy" while loading,
// "error" while an error shows, else "idle" (ui/status.js).

import { compareRuns, listRuns } from "../../api.js";
import { classRuns } from "../../api_rooms.js";
import { copyLink } from "../../ui/copy_link.js";
import { t } from "../../i18n.js";
import { byId } from "../../ui/dom.js";
import { FieldErrors } from "../../ui/field_errors.js";
import { begin, end } from "../../ui/status.js";
import { located, messageOf } from "../room/state.js";
import { ClassScatter } from "./class_scatter.js";
import { MIN_RUNS, parseView, serializeView, toggleRun } from "./compare_state.js";
import { Curves } from "./curves.js";
import { RunPicker } from "./run_picker.js";
import { renderFinal, renderSettings } from "./tables.js";

class ComparePage {
  constructor() {
    const { view, problems } = parseView(location.search);
    this.view = view;
    this.answer = null;
    this.classAnswer = null;
    this.pending = null;
    this.listErrors = new FieldErrors(byId("list-errors"));
    this.compareErrors = new FieldErrors(byId("picker-field"));
    this.picker = new RunPicker((id, chosen, box) => this.toggle(id, chosen, box));
    this.curves = new Curves({ loss: byId("loss-chart"), accuracy: byId("accuracy-chart") },
      byId("legend"));
    this.scatter = view.room ? new ClassScatter((key) => this.change({ scatter: key })) : null;
    byId("link-problems").hidden = problems.length === 0;
    byId("link-problems").textContent = problems.join(" ");
    this.wire();
  }

  wire() {
    for (const radio of document.querySelectorAll('input[name="x"]')) {
      radio.checked = radio.value === this.view.x;
      radio.addEventListener("change", () => this.change({ x: radio.value }));
    }
    const boxes = [...document.querySelectorAll('input[name="curves"]')];
    for (const box of boxes) {
      box.checked = this.view.curves.includes(box.value);
      box.addEventListener("change", () => this.change({
        curves: boxes.filter((b) => b.checked).map((b) => b.value) }));
    }
    byId("copy-link").addEventListener("click", async () => {
      byId("copy-status").textContent = await copyLink(byId("link-field"),
        t("Link copied: it opens this comparison, with the same runs and options."));
    });
    byId("refresh").addEventListener("click", () => this.boot());
    if (this.view.room) this.showRoom();
  }

  showRoom() {
    byId("picker-heading").textContent = t("The class's runs in room {room}",
      { room: this.view.room });
    byId("picker-hint").textContent = t("Each student's runs since they joined this room, and the runs the room showed. Choose 2 to 6 to compare them.");
    byId("runs-empty").textContent = t("No runs in this room yet: they appear once students train after joining.");
    byId("class-panel").hidden = false;
  }

  async boot() {
    this.writeUrl();
    await this.loadList();
    await this.loadComparison();
  }

  writeUrl() {
    history.replaceState(history.state, "", `${location.pathname}${serializeView(this.view)}`);
  }

  /** x axis, curves or the scatter's setting: drawn again from what is loaded. */
  change(changes) {
    this.view = { ...this.view, ...changes };
    this.writeUrl();
    this.render();
  }

  toggle(id, chosen, box) {
    this.compareErrors.clear();
    const { view, error } = toggleRun(this.view, id, chosen);
    if (error) {
      box.checked = false;
      this.compareErrors.show([{ loc: ["ids"], msg: error }]);
      return;
    }
    this.view = view;
    this.writeUrl();
    this.picker.mark(view.runs);
    this.loadComparison();
  }

  async loadList() {
    begin("list");
    this.listErrors.clear();
    let ok = false;
    try {
      if (this.view.room) {
        this.classAnswer = await classRuns(this.view.room);
        this.picker.show(this.classAnswer.runs);
      } else {
        this.picker.show((await listRuns()).runs);
      }
      ok = true;
    } catch (err) {
      byId("runs-loading").textContent = t("The runs could not be listed: {error}",
        { error: messageOf(err) });
      this.listErrors.show(located(err.detail || []));
    } finally {
      this.picker.mark(this.view.runs);
      end("list", ok);
    }
  }

  showState(text) {
    byId("results-state").hidden = false;
    byId("results-state").textContent = text;
    byId("results-body").hidden = true;
  }

  async loadComparison() {
    this.compareErrors.clear();
    if (this.pending) this.pending.abort();
    this.pending = null;
    if (this.view.runs.length < MIN_RUNS) {
      this.answer = null;
      this.showState(this.view.runs.length ? t("Choose one more run to compare them.")
        : t("Choose 2 to 6 runs to compare them."));
      this.render();
      end("compare", true);
      return;
    }
    const controller = new AbortController();
    this.pending = controller;
    begin("compare");
    byId("results").setAttribute("aria-busy", "true");
    this.showState(t("Loading the comparison\u2026"));
    try {
      this.answer = await compareRuns(this.view.runs, this.view.room, controller.signal);
      this.picker.ensure(this.answer.runs);
      this.picker.mark(this.view.runs);
      this.render();
      end("compare", true);
    } catch (err) {
      if (err.name === "AbortError") return; // a newer choice replaced this request
      this.answer = null;
      this.compareErrors.show(located(err.detail || []));
      this.showState(t("The comparison could not be loaded: {error}", { error: messageOf(err) }));
      end("compare", false);
    } finally {
      if (this.pending === controller) {
        this.pending = null;
        byId("results").setAttribute("aria-busy", "false");
      }
    }
  }

  render() {
    if (this.scatter && this.classAnswer) {
      this.scatter.show(this.classAnswer, this.view.scatter, this.view.runs);
    }
    if (!this.answer) return;
    byId("results-state").hidden = true;
    byId("results-body").hidden = false;
    byId("no-curves").hidden = this.view.curves.length > 0;
    this.curves.show(this.answer.runs, this.view);
    renderSettings(byId("settings-table"), this.answer);
    renderFinal(byId("final-table"), this.answer.runs);
  }
}

begin("boot");
const page = new ComparePage();
page.boot().finally(() => end("boot"));
