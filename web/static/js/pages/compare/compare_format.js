// How the comparison writes runs, settings and metrics, and how each run is drawn: the
// Okabe-Ito colours (told apart by colour-blind readers) and, so that colour is never the
// only clue, a line pattern and a marker shape of its own.

import { formatNumber, t, tx } from "../../i18n.js";

export const SERIES = [
  { colour: "#0072B2", dash: [], shape: "circle", pattern: t("solid line, circles") },
  { colour: "#D55E00", dash: [12, 6], shape: "square", pattern: t("long dashes, squares") },
  { colour: "#009E73", dash: [2, 4], shape: "triangle", pattern: t("dots, triangles") },
  { colour: "#CC79A7", dash: [12, 4, 2, 4], shape: "diamond", pattern: t("dash-dot, diamonds") },
  { colour: "#E69F00", dash: [5, 8], shape: "down",
    pattern: t("short dashes, upside-down triangles") },
  { colour: "#000000", dash: [12, 3, 2, 3, 2, 3], shape: "plus",
    pattern: t("dash-dot-dot, plus signs") },
];

/** Corners of a marker around (x, y), radius r; null for the circle (drawn as an arc). */
export function shapePoints(shape, x, y, r) {
  const at = (corners) => corners.map(([dx, dy]) => [x + dx * r, y + dy * r]);
  const a = 0.35;
  return {
    circle: null,
    square: at([[-0.8, -0.8], [0.8, -0.8], [0.8, 0.8], [-0.8, 0.8]]),
    triangle: at([[0, -1], [1, 0.8], [-1, 0.8]]),
    diamond: at([[0, -1.1], [1, 0], [0, 1.1], [-1, 0]]),
    down: at([[-1, -0.8], [1, -0.8], [0, 1]]),
    plus: at([[-a, -1], [a, -1], [a, -a], [1, -a], [1, a], [a, a], [a, 1], [-a, 1], [-a, a],
      [-1, a], [-1, -a], [-a, -a]]),
  }[shape];
}

const NAMES = {
  network: t("Network"), dataset: t("Dataset"), "network.layers": t("Layers"),
  "network.params": t("Parameters"), "network.architecture": t("Layers in order"),
  "training.optimizer": t("Optimizer"), "training.learning_rate": t("Learning rate"),
  "training.momentum": t("Momentum"), "training.weight_decay": t("Weight decay"),
  "training.batch_size": t("Batch size"), "training.epochs": t("Epochs"),
  "training.validation_split": t("Validation split"),
  "training.augment.horizontal_flip": t("Augment: horizontal flip"),
  "training.augment.shift": t("Augment: shift"),
  "training.augment.rotation": t("Augment: rotation"),
  "training.augment.scale": t("Augment: scale"), "training.seed": t("Seed"),
  "training.max_train_samples": t("Training images (at most)"), "training.device": t("Device"),
  "training.threads": t("CPU threads"), initial_model: t("Started from model"),
};

export function settingName(key) {
  return NAMES[key] || key;
}

export const NONE = "\u2013";

/** A setting's value in words: numbers as they are, yes/no, a dash for none. */
export function settingValue(value) {
  if (value === null || value === undefined || value === "") return NONE;
  if (typeof value === "boolean") return value ? t("yes") : t("no");
  if (typeof value === "number" && Number.isInteger(value) && Math.abs(value) >= 10000) {
    return formatNumber(value);
  }
  if (typeof value === "number") return formatNumber(value, { useGrouping: false, maximumFractionDigits: 20 });
  return tx(String(value));
}

export function percent(value) {
  return value === null || value === undefined ? NONE
    : formatNumber(value, { style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1 });
}

export function number(value) {
  return value === null || value === undefined ? NONE
    : formatNumber(value, { maximumSignificantDigits: 3, useGrouping: false });
}

/** "Ada: custom network, 1a2b3c" in a room; "custom network, 1a2b3c" elsewhere. */
export function runLabel(run) {
  const short = String(run.id).replace(/^run-/, "").slice(0, 6);
  const who = run.who ? (run.who.teacher ? t("Teacher") : run.who.name) : null;
  const network = tx(run.network);
  return who ? t("{who}: {network}, {id}", { who, network, id: short })
    : t("{network}, {id}", { network, id: short });
}

/** What a run's final accuracy was measured on, in words. */
export function accuracySource(source) {
  return { validation: t("validation"), test: t("test set"), training: t("training") }[source]
    || NONE;
}

/** Numbers of the settings that can go on the scatter's horizontal axis. */
export function numericKeys(runs, keys) {
  return keys.filter((k) => k !== "training.seed" && runs.some(
    (r) => typeof r.settings[k] === "number"));
}
