// How the comparison writes runs, settings and metrics, and how each run is drawn: the
// Okabe-Ito colours (told apart by colour-blind readers) and, so that colour is never the
// only clue, a line pattern and a marker shape of its own.

export const SERIES = [
  { colour: "#0072B2", dash: [], shape: "circle", pattern: "solid line, circles" },
  { colour: "#D55E00", dash: [12, 6], shape: "square", pattern: "long dashes, squares" },
  { colour: "#009E73", dash: [2, 4], shape: "triangle", pattern: "dots, triangles" },
  { colour: "#CC79A7", dash: [12, 4, 2, 4], shape: "diamond", pattern: "dash-dot, diamonds" },
  { colour: "#E69F00", dash: [5, 8], shape: "down", pattern: "short dashes, upside-down triangles" },
  { colour: "#000000", dash: [12, 3, 2, 3, 2, 3], shape: "plus",
    pattern: "dash-dot-dot, plus signs" },
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
  network: "Network", dataset: "Dataset", "network.layers": "Layers",
  "network.params": "Parameters", "network.architecture": "Layers in order",
  "training.optimizer": "Optimizer", "training.learning_rate": "Learning rate",
  "training.momentum": "Momentum", "training.weight_decay": "Weight decay",
  "training.batch_size": "Batch size", "training.epochs": "Epochs",
  "training.validation_split": "Validation split",
  "training.augment.horizontal_flip": "Augment: horizontal flip",
  "training.augment.shift": "Augment: shift", "training.augment.rotation": "Augment: rotation",
  "training.augment.scale": "Augment: scale", "training.seed": "Seed",
  "training.max_train_samples": "Training images (at most)", "training.device": "Device",
  "training.threads": "CPU threads", initial_model: "Started from model",
};

export function settingName(key) {
  return NAMES[key] || key;
}

export const NONE = "\u2013";

/** A setting's value in words: numbers as they are, yes/no, a dash for none. */
export function settingValue(value) {
  if (value === null || value === undefined || value === "") return NONE;
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (typeof value === "number" && Number.isInteger(value) && Math.abs(value) >= 10000) {
    return value.toLocaleString("en");
  }
  return String(value);
}

export function percent(value) {
  return value === null || value === undefined ? NONE : `${(value * 100).toFixed(1)}%`;
}

export function number(value) {
  return value === null || value === undefined ? NONE : String(Number(value.toPrecision(3)));
}

/** "Ada: custom network, 1a2b3c" in a room; "custom network, 1a2b3c" elsewhere. */
export function runLabel(run) {
  const short = String(run.id).replace(/^run-/, "").slice(0, 6);
  const who = run.who ? (run.who.teacher ? "Teacher" : run.who.name) : null;
  return `${who ? `${who}: ` : ""}${run.network}, ${short}`;
}

/** What a run's final accuracy was measured on, in words. */
export function accuracySource(source) {
  return { validation: "validation", test: "test set", training: "training" }[source] || NONE;
}

/** Numbers of the settings that can go on the scatter's horizontal axis. */
export function numericKeys(runs, keys) {
  return keys.filter((k) => k !== "training.seed" && runs.some(
    (r) => typeof r.settings[k] === "number"));
}
