// The comparison's tables: every setting of every run, the rows that differ marked in words
// ("differs") and highlighted; and how each run ended.

import { h } from "../../ui/dom.js";
import { swatch } from "./swatch.js";
import {
  accuracySource, NONE, number, percent, runLabel, settingName, settingValue,
} from "./compare_format.js";

function head(runs, first) {
  return h("thead", {}, h("tr", {}, h("th", { scope: "col" }, first),
    runs.map((run, i) => h("th", { scope: "col", dataset: { run: run.id } }, swatch(i),
      h("span", {}, runLabel(run))))));
}

function seconds(value) {
  return value === null || value === undefined ? NONE : `${value.toFixed(1)} s`;
}

const FINAL_ROWS = [
  ["Status", (r) => r.status],
  ["Epochs done", (r) => `${r.final.epochs_done} of ${r.epochs}`],
  ["Accuracy of the run", (r) => (r.final.accuracy_of_run === null ? NONE
    : `${percent(r.final.accuracy_of_run)} (${accuracySource(r.final.accuracy_source)})`)],
  ["Validation accuracy", (r) => percent(r.final.val_accuracy)],
  ["Test accuracy", (r) => percent(r.final.test_accuracy)],
  ["Training accuracy (last steps)", (r) => percent(r.final.accuracy)],
  ["Validation loss", (r) => number(r.final.val_loss)],
  ["Training loss (last steps)", (r) => number(r.final.loss)],
  ["mAP@0.5 (detection)", (r) => percent(r.final.map50)],
  ["Training time", (r) => seconds(r.final.train_seconds)],
];

/** Settings: one row a setting, one column a run. */
export function renderSettings(table, answer) {
  const differs = new Set(answer.differences);
  const rows = answer.settings.map((key) => {
    const marked = differs.has(key);
    return h("tr", { class: marked ? "differs" : null, dataset: { key } },
      h("th", { scope: "row" }, settingName(key),
        marked ? h("span", { class: "differs-tag" }, " differs") : null),
      answer.runs.map((run) => h("td", {}, settingValue(run.settings[key]))));
  });
  table.replaceChildren(
    h("caption", {}, differs.size
      ? `Settings: ${differs.size} of ${answer.settings.length} differ (marked "differs").`
      : "Settings: all the same."),
    head(answer.runs, "Setting"), h("tbody", {}, rows));
}

/** Final metrics: one row a metric, one column a run. */
export function renderFinal(table, runs) {
  table.replaceChildren(h("caption", {}, "How each run ended"), head(runs, "Metric"),
    h("tbody", {}, FINAL_ROWS.map(([name, value]) => h("tr", {},
      h("th", { scope: "row" }, name), runs.map((run) => h("td", {}, value(run)))))));
}
