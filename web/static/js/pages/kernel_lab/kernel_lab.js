// The Kernel Lab page: wires the image source, preset picker, kernel grid, options,
// pipeline, live result, pixel explanation, download link and numeric mode together.
// onState() is called after every change of the selections ("follow me" publishes them).

import {
  applyPng, explainPixel, getKernelVocabulary, imageUrl, listKernels, listSamples,
} from "../../api.js";
import { buildControls } from "./controls.js";
import { byId } from "../../ui/dom.js";
import { formatNumber, t, tx } from "../../i18n.js";
import { localMessage } from "../../error_messages.js";
import { FieldErrors } from "../../ui/field_errors.js";
import { startFollow } from "./follow/follow.js";
import { ImageSource } from "./image_source.js";
import { KernelGrid } from "./kernel_grid.js";
import { LabState } from "./lab_state.js";
import { LiveUpdate, PREVIEW_SIDE } from "./live.js";
import { num } from "./numbers.js";
import { NumericMode } from "./numeric.js";
import { PipelineView } from "./pipeline.js";
import { PixelExplain } from "./pixel_explain.js";
import { PresetPicker } from "./presets.js";
import * as status from "../../ui/status.js";
import { StepOptions } from "./step_options.js";
import { Viewer } from "./viewer.js";

const FIRST_PRESET = "sharpen";
const PADDING_NOTE = /^step (\d+): (.+) ignores padding; borders are replicated$/;

/** A note of the result (pipeline.py's), in the page's language. */
function noteText(note) {
  const match = PADDING_NOTE.exec(note);
  if (!match) return tx(note);
  return t("step {step}: {label} ignores padding; borders are replicated",
    { step: match[1], label: tx(match[2]) });
}
const HOVER_MS = 80;

class KernelLab {
  constructor(kernels, samples, vocabulary) {
    const catalogue = new Map(kernels.kernels.map((k) => [k.name, k]));
    this.vocabulary = vocabulary;
    this.state = new LabState(catalogue, FIRST_PRESET, vocabulary);
    this.onState = () => {};
    this.errors = new FieldErrors(byId("lab"));
    this.picker = new PresetPicker(catalogue, kernels.categories, (entry) => this.pick(entry));
    this.grid = new KernelGrid({
      cell: (r, c, text) => this.editCell(r, c, text),
      size: (cells) => this.edit({ cells: cells.map((row) => [...row]) }, true, "grid"),
      sizeError: (msg) => this.localError(msg),
      scale: (text) => this.edit({ scale: text }, true),
      normalize: (on) => this.edit({ normalize: on }, true),
      custom: () => this.edit({}, true, "all"),
    }, vocabulary.limits.max_kernel);
    this.options = new StepOptions((patch) => this.edit(patch, false,
      "params" in patch ? "grid" : null), vocabulary.kernels);
    this.pipeline = new PipelineView({
      select: (i) => { this.state.selected = i; this.render(false); this.onState(); },
      add: () => { this.state.add(); this.render(); },
      move: (i, d) => { this.state.move(i, d); this.render(); },
      remove: (i) => { this.state.remove(i); this.render(); },
    }, vocabulary.limits.max_steps);
    this.viewer = new Viewer((x, y, pinned) => this.hover(x, y, pinned));
    this.explainer = new PixelExplain();
    this.live = new LiveUpdate({
      result: (header, image, scale) => this.result(header, image, scale),
      error: (detail) => this.failed(detail),
      connection: (state) => {
        byId("live-connection").textContent = state === "open" ? "" : t("Reconnecting\u2026");
      },
    });
    this.bindPipelineOptions();
    byId("download-link").addEventListener("click", (e) => this.download(e));
    this.source = new ImageSource(samples.samples, (source, info) => this.setSource(source, info),
      new FieldErrors(byId("image-panel")));
    this.render(false);
    this.source.pickSample(samples.samples.some((s) => s.name === "camera") ? "camera"
      : samples.samples[0].name);
  }

  bindPipelineOptions() {
    for (const name of ["channels", "output"]) {
      const select = byId(`${name}-select`);
      select.addEventListener("change", () => {
        this.state[name] = select.value;
        this.changed();
      });
    }
  }

  /** Redraw every control from the state; changed=false redraws without a new request. */
  render(changed = true) {
    const step = this.state.current();
    const entry = this.state.entry();
    this.picker.show(step.kernel, step.basedOn);
    this.grid.render(this.state.gridView());
    this.options.show(step, entry);
    this.pipeline.render(this.state.labels(), this.state.selected);
    byId("channels-select").value = this.state.channels;
    byId("output-select").value = this.state.output;
    if (changed) this.changed();
  }

  pick(entry) {
    this.state.pick(entry);
    this.render();
  }

  editCell(r, c, text) {
    const cells = this.state.current().cells.map((row) => [...row]);
    cells[r][c] = text;
    this.edit({ cells }, true);
  }

  /** A change to the selected step; redraw = "grid" / "all" rebuilds those controls. */
  edit(patch, custom, redraw = null) {
    const wasPreset = this.state.current().kernel !== null;
    this.state.update(patch, custom);
    status.clearError("grid");
    if (redraw === "all") this.render(false);
    else if (redraw === "grid") this.grid.render(this.state.gridView());
    if (wasPreset && custom) this.picker.show(null, this.state.current().basedOn);
    this.pipeline.render(this.state.labels(), this.state.selected);
    this.changed();
  }

  localError(msg) {
    this.errors.show([{ loc: ["steps", this.state.selected, "matrix"], msg, type: "value_error" }],
      this.state.selected);
    status.end("grid", false);
  }

  changed() {
    this.onState();
    const spec = this.state.spec();
    byId("spec-json").textContent = JSON.stringify({ source: this.state.source, spec });
    if (!this.state.source || this.state.incomplete()) return;
    this.live.schedule({ source: this.state.source, spec }, this.state.size);
  }

  async setSource(source, info) {
    this.state.source = source;
    this.state.size = { width: info.width, height: info.height };
    this.sourceTitle = info.title;
    this.pinned = null;
    this.explainer.message(t("Hover over the result (or tap it, or focus it and use the arrow keys) to see the weighted sum behind a pixel."));
    this.changed();
    status.begin("original");
    try {
      await this.viewer.showOriginal(imageUrl(source));
      status.end("original");
    } catch (err) {
      this.explainer.message(t("The original image could not be shown: {error}",
        { error: err.message }));
      status.end("original", false);
    }
  }

  result(header, image, scale) {
    this.errors.clear();
    this.viewer.showResult(image, scale);
    this.resultScale = scale;
    const { min, max, mean } = header.stats;
    byId("stats").textContent = t("min {min}, max {max}, mean {mean}",
      { min: num(min), max: num(max), mean: num(mean) });
    const ms = (v) => formatNumber(v, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
    byId("timing").textContent = t("{compute} ms compute, {total} ms total",
      { compute: ms(header.time_ms.compute), total: ms(header.time_ms.total) });
    const size = `${header.width}x${header.height}`;
    byId("result-size").textContent = header.preview ? t("{size} (preview)", { size }) : size;
    byId("result-notes").textContent = header.notes.map(noteText).join(" ");
    byId("live-error").hidden = true;
    if (this.pinned && !header.preview) this.explain(this.pinned.x, this.pinned.y);
  }

  failed(detail) {
    const local = (detail || []).map((d) => ({ ...d, msg: localMessage(d) ?? d.msg }));
    this.errors.show(local, this.state.selected);
    byId("live-error").hidden = false;
    byId("live-error-text").textContent = t("The result is not updated until this is fixed.");
  }

  hover(x, y, pinned) {
    window.clearTimeout(this.hoverTimer);
    if (pinned) {
      this.pinned = { x, y };
      this.onState();
    }
    this.hoverTimer = window.setTimeout(() => this.explain(x, y), pinned ? 0 : HOVER_MS);
  }

  /** Explain a result pixel as if it had been tapped (a followed teacher's pixel). */
  pin(x, y) {
    this.viewer.pinned = true;
    this.viewer.setCursor(x, y);
    this.hover(x, y, true);
  }

  async explain(x, y) {
    const { source } = this.state;
    if (!source || this.state.incomplete()) return;
    this.explainSeq = (this.explainSeq || 0) + 1;
    const seq = this.explainSeq;
    const preview = this.resultScale > 1 ? PREVIEW_SIDE : null;
    status.begin("explain");
    try {
      const info = await explainPixel(source, this.state.spec(), x, y, preview);
      if (seq !== this.explainSeq) return;
      this.explainer.show(info, { steps: this.state.steps.length, output: this.state.output,
        label: this.state.labels()[info.step] });
      if (this.state.steps.length === 1) {
        const s = this.resultScale || 1;
        const scaleAll = (list) => list.map((v) => (v === null ? null : Math.floor(v * s)));
        this.viewer.showWindow({ rows: scaleAll(info.rows), cols: scaleAll(info.cols) });
      } else this.viewer.hideWindow();
    } catch (err) {
      if (seq === this.explainSeq) this.explainer.message(err.message);
    } finally {
      status.end("explain");
    }
  }

  async download(event) {
    event.preventDefault();
    const link = event.currentTarget;
    status.begin("download");
    link.setAttribute("aria-busy", "true");
    try {
      const blob = await applyPng(this.state.source, this.state.spec());
      const url = URL.createObjectURL(blob);
      const anchor = Object.assign(document.createElement("a"), { href: url,
        download: `${this.state.labels().join("-").replace(/\W+/g, "_")}.png` });
      document.body.append(anchor);
      anchor.click();
      anchor.remove();
      window.setTimeout(() => URL.revokeObjectURL(url), 10000);
      status.end("download");
    } catch (err) {
      this.failed(err.detail);
      status.end("download", false);
    } finally {
      link.removeAttribute("aria-busy");
    }
  }
}

async function boot() {
  status.begin("boot");
  try {
    const [kernels, samples, vocabulary] = await Promise.all([listKernels(), listSamples(),
      getKernelVocabulary()]);
    buildControls(vocabulary);
    window.kernelLab = new KernelLab(kernels, samples, vocabulary);
    window.numericMode = new NumericMode(vocabulary.numeric_operations,
      vocabulary.limits.pool_size);
    status.end("boot");
    startFollow(window.kernelLab, samples.samples);
  } catch (err) {
    byId("live-error").hidden = false;
    byId("live-error-text").textContent = t("The page could not start: {error}",
      { error: err.message });
    status.end("boot", false);
  }
}

boot();
