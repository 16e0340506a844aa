// The Kernel Lab's selections as the teacher broadcasts them in "follow me" mode (the
// opaque `kernel_lab` object of docs/classroom.md), and applying them to a student's page.
// Steps travel as the editor holds them (text, as typed), so a half-typed value or an
// error looks the same on both screens. What comes in is checked against the catalogue:
// it is another person's JSON.
//   {"format": 1, "source": {"sample": "camera"} or {"upload": "<file name>"},
//    "steps": [{"kernel": "sobel_x" or null, "based_on", "cells": [["-1", ...]], "scale",
//               "normalize", "params": {"sigma": "2"}, "mode", "padding", "padding_amount",
//               "stride", "dilation"}],
//    "selected": 0, "channels": "separate", "output": "offset", "pixel": {"x", "y"} or null}

import { defaultOptions, stepFromPreset } from "../step_model.js";
import { valuesOf } from "../controls.js";
import { t } from "../../../i18n.js";

export const FORMAT = 1;
const MAX_TEXT = 64;

/** What the teacher's page shows now, as JSON. lab: the KernelLab. */
export function snapshot(lab) {
  const { state } = lab;
  const source = state.source && state.source.sample ? { sample: state.source.sample }
    : { upload: lab.sourceTitle || "a photo" }; // a private upload: students get its name only
  const steps = state.steps.map((step) => ({
    kernel: step.kernel, based_on: step.basedOn || null, cells: step.cells, scale: step.scale,
    normalize: step.normalize, params: step.params, mode: step.mode, padding: step.padding,
    padding_amount: step.padding_amount, stride: step.stride, dilation: step.dilation,
  }));
  return { format: FORMAT, source, steps, selected: state.selected, channels: state.channels,
    output: state.output, pixel: lab.pinned ? { x: lab.pinned.x, y: lab.pinned.y } : null };
}

function text(value, fallback) {
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return typeof value === "string" ? value.slice(0, MAX_TEXT) : fallback;
}

function oneOf(value, choices, fallback) {
  return choices.includes(value) ? value : fallback;
}

function isIndex(value, below) {
  return Number.isInteger(value) && value >= 0 && value < below;
}

function readCells(cells, maxSide) {
  const ok = Array.isArray(cells) && cells.length >= 1 && cells.length <= maxSide
    && cells.every((row) => Array.isArray(row) && row.length >= 1 && row.length <= maxSide
      && row.length === cells[0].length);
  if (!ok) {
    throw new Error(t("a custom kernel is not a grid of 1 to {max} rows and columns",
      { max: maxSide }));
  }
  return cells.map((row) => row.map((v) => text(v, "0")));
}

function readStep(raw, catalogue, vocabulary) {
  if (!raw || typeof raw !== "object") throw new Error(t("a pipeline step is not an object"));
  const entry = raw.kernel === null ? null : catalogue.get(raw.kernel);
  if (raw.kernel !== null && !entry) {
    throw new Error(t("this server has no kernel {name}",
      { name: JSON.stringify(String(raw.kernel).slice(0, 40)) }));
  }
  const options = defaultOptions(vocabulary.defaults);
  const base = entry ? stepFromPreset(entry, options)
    : { ...options, kernel: null, cells: readCells(raw.cells, vocabulary.limits.max_kernel),
      scale: text(raw.scale, "1"), normalize: raw.normalize === true, params: {} };
  const params = raw.params && typeof raw.params === "object" ? raw.params : {};
  return {
    ...base,
    basedOn: entry ? entry.name : (catalogue.has(raw.based_on) ? raw.based_on : null),
    params: Object.fromEntries(Object.entries(base.params).map(
      ([k, v]) => [k, text(params[k], v)])),
    mode: oneOf(raw.mode, valuesOf(vocabulary.modes), base.mode),
    padding: oneOf(raw.padding, valuesOf(vocabulary.padding_modes), base.padding),
    padding_amount: text(raw.padding_amount, base.padding_amount),
    stride: text(raw.stride, base.stride),
    dilation: text(raw.dilation, base.dilation),
  };
}

/** The checked selections, or an Error saying what is wrong. sampleNames: a Set;
 * vocabulary: GET /api/kernels/vocabulary (the choices and limits a step may have). */
export function readSnapshot(raw, catalogue, sampleNames, vocabulary) {
  const maxSteps = vocabulary.limits.max_steps;
  if (!raw || typeof raw !== "object" || raw.format !== FORMAT) {
    throw new Error(t("it was written by another version of the Kernel Lab; reload both pages"));
  }
  if (!Array.isArray(raw.steps) || raw.steps.length < 1 || raw.steps.length > maxSteps) {
    throw new Error(t("the pipeline must have 1 to {max} steps", { max: maxSteps }));
  }
  const steps = raw.steps.map((step) => readStep(step, catalogue, vocabulary));
  const source = raw.source && sampleNames.has(raw.source.sample)
    ? { sample: raw.source.sample }
    : { upload: text(raw.source && raw.source.upload, "a photo") };
  const pixel = raw.pixel && isIndex(raw.pixel.x, 1e5) && isIndex(raw.pixel.y, 1e5)
    ? { x: raw.pixel.x, y: raw.pixel.y } : null;
  return { source, steps, selected: isIndex(raw.selected, steps.length) ? raw.selected : 0,
    channels: oneOf(raw.channels, valuesOf(vocabulary.channel_modes), vocabulary.defaults.channels),
    output: oneOf(raw.output, valuesOf(vocabulary.output_mappings), vocabulary.defaults.output),
    pixel };
}

/** Apply read selections through the page's own paths (the sample picker, render(), the
 * pinned pixel). A teacher's upload keeps the student's photo and pixel. still(): whether
 * these selections are still the ones to show once the new photo has loaded. */
export async function applySnapshot(lab, shared, still) {
  const { state } = lab;
  state.steps = shared.steps;
  state.selected = shared.selected;
  state.channels = shared.channels;
  state.output = shared.output;
  const sample = shared.source.sample;
  if (sample && !(state.source && state.source.sample === sample)) {
    lab.render(false);
    await lab.source.pickSample(sample); // as if picked: the original, then the result
  } else {
    lab.render();
  }
  const { pixel } = shared;
  const same = lab.pinned && pixel && lab.pinned.x === pixel.x && lab.pinned.y === pixel.y;
  if (sample && pixel && !same && still()) lab.pin(pixel.x, pixel.y);
}
