// The totals, always visible: parameters, trainable parameters, MACs and activation
// memory per sample, and the output shape. Exact values sit in data-value.

import { t } from "../../i18n.js";
import { byId } from "../../ui/dom.js";
import * as format from "./format.js";

function put(id, value, text, title = null) {
  const node = byId(id);
  node.textContent = text;
  if (value === null) delete node.dataset.value;
  else node.dataset.value = String(value);
  if (title) node.title = title;
  else node.removeAttribute("title");
}

function clear() {
  for (const id of ["total-params", "total-trainable", "total-macs", "total-memory",
    "total-output"]) put(id, null, "\u2013");
}

/** summary: the server's body (or null); problems: how many problems were found. */
export function showTotals(summary, problems, layerCount) {
  const note = byId("totals-note");
  if (!layerCount) {
    clear();
    note.textContent = t("Add a layer to see the totals.");
    return;
  }
  if (!summary || summary.layers.every((row) => !row.output_shape)) {
    clear();
    note.textContent = t("Fix the problems to see the totals.");
    return;
  }
  const params = summary.total_params;
  const trainable = summary.trainable_params;
  put("total-params", params, format.count(params),
    t("{count} parameters", { count: format.compact(params) }));
  put("total-trainable", trainable, format.count(trainable),
    t("{count} not trainable (batch norm statistics)", { count: params - trainable }));
  put("total-macs", summary.macs_per_sample, format.compact(summary.macs_per_sample),
    t("{count} multiply-accumulates per sample", { count: summary.macs_per_sample }));
  put("total-memory", summary.activation_bytes_per_sample,
    format.bytes(summary.activation_bytes_per_sample),
    t("{count} bytes (float32) per sample", { count: summary.activation_bytes_per_sample }));
  put("total-output", summary.output_shape ? summary.output_shape.join(",") : null,
    format.shape(summary.output_shape));
  const missing = summary.layers.filter((r) => !r.output_shape).length;
  note.textContent = problems && missing ? t(
    "Partial totals: {missing} of {total} layers could not be computed.",
    { missing, total: summary.layers.length }) : "";
}
