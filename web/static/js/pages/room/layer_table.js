// A network's layers as a table (a summary from POST /api/networks/summary or
// GET /api/models/{id}): type, output shape and parameters, with the totals.

import { formatNumber, t } from "../../i18n.js";
import { h } from "../../ui/dom.js";

function shape(value) {
  return Array.isArray(value) ? value.join(" \u00d7 ") : "\u2013";
}

const count = (n) => formatNumber(Number(n || 0));

/** A <table> for summary, captioned `caption`. */
export function layerTable(summary, caption) {
  const rows = summary.layers.map((layer) => h("tr", {},
    h("td", {}, String(layer.index)),
    h("th", { scope: "row" }, layer.label || layer.type),
    h("td", {}, shape(layer.output_shape)),
    h("td", { class: "number" }, count(layer.params))));
  return h("table", { class: "data-table layer-table" },
    h("caption", {}, caption),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "#"), h("th", { scope: "col" }, t("Layer")),
      h("th", { scope: "col" }, t("Output shape")), h("th", { scope: "col" }, t("Parameters")))),
    h("tbody", {}, h("tr", {}, h("td", {}, "\u2013"), h("th", { scope: "row" }, t("Input")),
      h("td", {}, shape(summary.input_shape)), h("td", { class: "number" }, "0")), ...rows),
    h("tfoot", {}, h("tr", {}, h("td", {}), h("th", { scope: "row" }, t("Total")),
      h("td", {}, t("output {shape}", { shape: shape(summary.output_shape) })),
      h("td", { class: "number" }, count(summary.total_params)))));
}
