// The comparison's tables: every setting of every run, the rows that differ marked in words
// ("differs") and highlighted; and how each run ended.

import { formatNumber, t } from "../../i18n.js";
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
  return value === null || value === undefined ? NONE
    : `${formatNumber(value, { minimumFractionDigits: 1, maximumFractionDigits: 1 })} s`;
}

const STATUS = {
  queued: t("queued"), running: t("running"), paused: t("paused"), finished: t("finished"),
  stopped: t("stopped"), failed: t("failed"),
};

const FINAL_ROWS = [
  [t("Status"), (r) => STATUS[r.status] || r.status],
  [t("Epochs done"), (r) => t("{done} of {epochs}", { done: String(r.final.epochs_done),
    epochs: String(r.epochs) })],
  [t("Accuracy of the run"), (r) => (r.final.accuracy_of_run === null ? NONE
    : t("{accuracy} ({source})", { accuracy: percent(r.final.accuracy_of_run),
      source: accuracySource(r.final.accuracy_source) }))],
  [t("Validation accuracy"), (r) => percent(r.final.val_accuracy)],
  [t("Test accuracy"), (r) => percent(r.final.test_accuracy)],
  [t("Training accuracy (last steps)"), (r) => percent(r.final.accuracy)],
  [t("Validation loss"), (r) => number(r.final.val_loss)],
  [t("Training loss (last steps)"), (r) => number(r.final.loss)],
  [t("mAP@0.5 (detection)"), (r) => percent(r.final.map50)],
  [t("Training time"), (r) => seconds(r.final.train_seconds)],
];

/** Settings: one row a setting, one column a run. */
export function renderSettings(table, answer) {
  const differs = new Set(answer.differences);
  const rows = answer.settings.map((key) => {
    const marked = differs.has(key);
    return h("tr", { class: marked ? "differs" : null, dataset: { key } },
      h("th", { scope: "row" }, settingName(key),
        marked ? h("span", { class: "differs-tag" }, " ", t("differs")) : null),
      answer.runs.map((run) => h("td", {}, settingValue(run.settings[key]))));
  });
  table.replaceChildren(
    h("caption", {}, differs.size
      ? t('Settings: {count} of {total} differ (marked "differs").', { count: differs.size,
        total: answer.settings.length })
      : t("Settings: all the same.")),
    head(answer.runs, t("Setting")), h("tbody", {}, rows));
}

/** Final metrics: one row a metric, one column a run. */
export function renderFinal(table, runs) {
  table.replaceChildren(h("caption", {}, t("How each run ended")), head(runs, t("Metric")),
    h("tbody", {}, FINAL_ROWS.map(([name, value]) => h("tr", {},
      h("th", { scope: "row" }, name), runs.map((run) => h("td", {}, value(run)))))));
}
