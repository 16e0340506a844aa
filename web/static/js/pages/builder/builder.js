// The Network Builder page: wires the palette, the stack of cards, the server's checks,
// the totals, presets, import/export, the shareable URL and the drawing together.

import { exportPytorch, getPreset, listLayers, listPresets } from "../../api.js";
import { t, tn, tx } from "../../i18n.js";
import { byId } from "../../ui/dom.js";
import { FieldErrors } from "../../ui/field_errors.js";
import * as status from "../../ui/status.js";
import { Catalog } from "./catalog.js";
import { routeErrors, showGeneral } from "./errors.js";
import * as format from "./format.js";
import { checkStructure, download, ImportPanel } from "./import_export.js";
import { bindInputForm, showInput } from "./input_form.js";
import { Palette } from "./layer_palette.js";
import { PresetPicker } from "./preset_picker.js";
import * as share from "./share.js";
import { StackView } from "./stack.js";
import { BuilderState } from "./state.js";
import { Tabs } from "./tabs.js";
import { showTotals } from "./totals.js";
import { Validator } from "./validate.js";
import { drawNetwork } from "./visualize.js";

const TOOLS = "tools";

/** "Loaded LeNet-5, 9 layers." and the like: one whole sentence per way of loading. */
function loadedText(verb, name, n) {
  const named = name !== "Network";
  name = tx(name); // a preset's name, as the server sent it
  if (verb === "restored") {
    return tn("Restored your last valid network: {n} layer.",
      "Restored your last valid network: {n} layers.", n);
  }
  if (verb === "opened") {
    return tn("Opened the network in the link: {n} layer.",
      "Opened the network in the link: {n} layers.", n);
  }
  if (verb === "imported") {
    return named ? tn("Imported {name}, {n} layer.", "Imported {name}, {n} layers.", n, { name })
      : tn("Imported {n} layer.", "Imported {n} layers.", n);
  }
  return named ? tn("Loaded {name}, {n} layer.", "Loaded {name}, {n} layers.", n, { name })
    : tn("Loaded {n} layer.", "Loaded {n} layers.", n);
}

function announce(text) {
  byId("builder-announce").textContent = text;
}

class Builder {
  constructor(catalog, presets) {
    this.catalog = catalog;
    this.state = new BuilderState(catalog);
    this.rows = new Map(); // layer id -> its last summary row
    this.inputShape = null;
    this.stack = new StackView(byId("layer-stack"), byId("stack-end"), catalog, {
      edit: (id, name, value) => this.edit(id, name, value),
      move: (id, delta, button) => this.moveTo(id, this.state.index(id) + delta, button),
      moveTo: (id, index) => this.moveTo(id, index, null),
      insert: (type, index) => this.insert(type, index, true),
      duplicate: (id) => this.duplicate(id),
      remove: (id) => this.remove(id),
    });
    this.palette = new Palette(byId("palette"), catalog,
      (type) => this.insert(type, this.state.layers.length, false));
    this.validator = new Validator((result) => this.result(result));
    this.inputErrors = new FieldErrors(byId("input-form"));
    this.shownInputErrors = "[]";
    this.imports = new ImportPanel(catalog, (spec, name) => this.load(spec, name, "imported"),
      (id) => this.loadPreset(id));
    this.presets = new PresetPicker(presets, (id) => this.loadPreset(id));
    this.tabs = new Tabs(byId("view-tabs"), () => this.draw());
    bindInputForm((name, value) => {
      this.state.setInput(name, value);
      this.changed(false);
    });
    this.bindTools();
    window.addEventListener("hashchange", () => {
      const problem = this.openLink();
      if (typeof problem === "string") this.toolError([problem]);
    });
    this.start();
  }

  /** The network in the link, else the last valid one kept in this browser, else none. */
  start() {
    const problem = this.openLink();
    if (problem === true) return;
    const saved = share.savedSpec();
    if (saved && !checkStructure(saved, this.catalog).length) {
      this.load(saved, "Network", "restored");
    } else {
      showInput(this.state.input);
      this.changed(true);
    }
    if (problem) this.toolError([problem]);
  }

  /** Load the network in the URL: true when loaded, false without one, else the problem. */
  openLink() {
    const link = share.specFromUrl();
    if (!link) return false;
    const problems = link.error ? [link.error] : checkStructure(link.spec, this.catalog);
    if (problems.length) {
      return t("The link's network cannot be opened: {problems}", { problems: problems.join(" ") });
    }
    this.load(link.spec, "Network", "opened");
    return true;
  }

  /** After every edit: redraw the cards (structural), update the URL, ask the server. */
  changed(structural) {
    if (structural) this.stack.render(this.state.layers);
    const spec = this.state.spec();
    share.writeUrl(spec);
    this.clearToolError();
    if (this.state.layers.length) {
      this.validator.schedule(spec);
      return;
    }
    this.validator.cancel();
    this.result({ ok: false, summary: null, detail: [], spec, empty: true });
  }

  edit(id, name, value) {
    this.state.set(this.state.index(id), name, value);
    this.changed(false);
  }

  moveTo(id, index, button) {
    const from = this.state.index(id);
    if (!this.state.move(from, index)) return;
    this.changed(true);
    this.stack.focus(id, button);
    const to = this.state.index(id);
    announce(t("{layer} moved to position {position} of {total}.", {
      layer: this.catalog.label(this.state.layers[to].type), position: to + 1,
      total: this.state.layers.length }));
  }

  insert(type, index, focus) {
    const layer = this.state.add(type, index);
    this.changed(true);
    const card = this.stack.card(layer.id);
    card.expand(true);
    if (focus) this.stack.focus(layer.id);
    card.el.scrollIntoView({ block: "nearest" });
    announce(t("{layer} added as layer {position} of {total}.", { layer: this.catalog.label(type),
      position: this.state.index(layer.id) + 1, total: this.state.layers.length }));
  }

  duplicate(id) {
    const copy = this.state.duplicate(this.state.index(id));
    this.changed(true);
    this.stack.focus(copy.id);
    announce(t("Duplicated as layer {position}.", { position: this.state.index(copy.id) + 1 }));
  }

  remove(id) {
    const i = this.state.index(id);
    const removed = this.state.remove(i);
    this.rows.delete(id);
    this.changed(true);
    const next = this.state.layers[i] || this.state.layers[i - 1];
    if (next) this.stack.focus(next.id);
    else byId("palette").querySelector("button").focus();
    announce(t("{layer} removed.", { layer: this.catalog.label(removed.type) }));
  }

  load(spec, name, verb) {
    this.state.load(spec, name);
    this.rows.clear();
    showInput(this.state.input);
    this.imports.clear();
    this.changed(true);
    this.toolStatus(loadedText(verb, name, this.state.layers.length));
  }

  async loadPreset(id) {
    status.begin(TOOLS);
    try {
      const preset = await getPreset(id);
      status.end(TOOLS, true);
      this.load(preset.spec, preset.name, "loaded");
    } catch (err) {
      this.toolError(err.detail ? err.detail.map((d) => d.msg) : [String(err)]);
    }
  }

  /** The server's answer for the current spec. */
  result({ ok, summary, detail, spec, empty = false }) {
    const routed = routeErrors(detail);
    const rows = summary ? summary.layers : [];
    this.state.layers.forEach((layer, i) => {
      const row = rows[i] || null;
      this.rows.set(layer.id, row);
      const card = this.stack.card(layer.id);
      card.showRow(row);
      card.showErrors(routed.layers.get(i) || []);
    });
    this.inputShape = summary ? summary.input_shape : null;
    this.showInputErrors(routed.input);
    showGeneral(byId("stack-errors"), routed.general);
    showTotals(summary, detail.length, this.state.layers.length);
    this.showVerdict(ok, detail.length, empty);
    if (ok && share.handOff(spec)) byId("handoff-note").dataset.saved = "true";
    this.draw();
  }

  showInputErrors(list) {
    const key = JSON.stringify(list);
    if (key === this.shownInputErrors) return;
    this.shownInputErrors = key;
    this.inputErrors.show(list);
  }

  showVerdict(ok, problems, empty) {
    const verdict = byId("builder-verdict");
    verdict.dataset.verdict = empty ? "empty" : ok ? "valid" : "invalid";
    verdict.textContent = empty ? t("No layers yet.")
      : ok ? t("\u2714 Valid network: saved for training.")
        : tn("\u26a0 {n} problem: see the messages below.",
          "\u26a0 {n} problems: see the messages below.", problems);
  }

  draw() {
    if (byId("view-visualize").hidden) return;
    const layers = this.state.layers.map((layer) => {
      const row = this.rows.get(layer.id);
      return { label: this.catalog.label(layer.type), category: this.catalog.category(layer.type),
        shape: row ? row.output_shape : null };
    });
    const { channels, height, width } = this.state.input;
    const input = this.inputShape || [channels, height, width];
    drawNetwork(byId("vis-svg"), input.every(Number.isInteger) ? input : null, layers);
  }

  bindTools() {
    byId("export-json").addEventListener("click", () => {
      const file = `${format.slug(this.state.name)}.json`;
      download(`${JSON.stringify(this.state.spec(), null, 2)}\n`, file, "application/json");
      this.toolStatus(t("Downloaded {file}.", { file }));
    });
    byId("export-py").addEventListener("click", () => this.exportPython());
    byId("copy-link").addEventListener("click", async () => {
      this.toolStatus(await share.copyLink(byId("share-link")));
    });
  }

  async exportPython() {
    const file = `${format.slug(this.state.name)}.py`;
    status.begin(TOOLS);
    try {
      const source = await exportPytorch(this.state.spec(), this.state.name);
      download(source, file, "text/x-python");
      status.end(TOOLS, true);
      this.toolStatus(t("Downloaded {file}: run it with python to print the output shape.",
        { file }));
    } catch (err) {
      this.toolError([t("The PyTorch export needs a valid network:"),
        ...err.detail.map((d) => d.msg)]);
    }
  }

  toolStatus(text) {
    byId("tools-status").textContent = text;
  }

  toolError(messages) {
    showGeneral(byId("tools-error"), messages);
    status.end(TOOLS, false);
  }

  clearToolError() {
    showGeneral(byId("tools-error"), []);
    status.clearError(TOOLS);
  }
}

async function boot() {
  status.begin("boot");
  try {
    const [layers, presets] = await Promise.all([listLayers(), listPresets()]);
    new Builder(new Catalog(layers), presets.presets);
    status.end("boot", true);
  } catch (err) {
    const box = byId("boot-error");
    box.textContent = t("The builder could not start: {error}", { error: err.message });
    box.hidden = false;
    status.end("boot", false);
    if (!err.detail) throw err;
  }
}

boot();
