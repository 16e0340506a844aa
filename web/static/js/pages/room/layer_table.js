// A network's layers as a table (a summary from POST /api/networks/summary or
// GET /api/models/{id}): type, output shape and parameters, with the totals.

import { h } from "../../ui/dom.js";

function shape(value) {
  return Array.isArray(value) ? value.join(" \u00d7 ") : "\u2013";
}

const count = (n) => Number(n || 0).toLocaleString("en");

/** A <table> for summary, captioned `caption`. */
export function layerTable(summary, caption) {
  const rows = summary.layers.map((layer) => h("tr", {},
    h("td", {}, String(layer.index)),
    h("th", { scope: "row" }, layer.label || layer.type),
    h("td", {}, shape(layer.output_shape)),
    h("td", { class: "number" }, count(layer.params))));
  return h("table", { class: "data-table layer-table" },
    h("caption", {}, caption),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "#"), h("th", { scope: "col" }, "Layer"),
      h("th", { scope: "col" }, "Output shape"), h("th", { scope: "col" }, "Parameters"))),
    h("tbody", {}, h("tr", {}, h("td", {}, "\u2013"), h("th", { scope: "row" }, "Input"),
      h("td", {}, shape(summary.input_shape)), h("td", { class: "number" }, "0")), ...rows),
    h("tfoot", {}, h("tr", {}, h("td", {}), h("th", { scope: "row" }, "Total"),
      h("td", {}, `output ${shape(summary.output_shape)}`),
      h("td", { class: "number" }, count(summary.total_params)))));
}
