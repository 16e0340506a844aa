// A run's colour, line pattern and marker in a small SVG: the legend, the tables' headings
// and the chosen runs in the list.

import { svg } from "../../ui/dom.js";
import { SERIES, shapePoints } from "./compare_format.js";

/** The marker of series `index` at (x, y), radius r, as an SVG element. */
export function marker(index, x, y, r) {
  const style = SERIES[index];
  const corners = shapePoints(style.shape, x, y, r);
  return corners
    ? svg("polygon", { points: corners.map((c) => c.join(",")).join(" "), fill: style.colour,
      stroke: "#000", "stroke-width": 0.75 })
    : svg("circle", { cx: x, cy: y, r, fill: style.colour, stroke: "#000", "stroke-width": 0.75 });
}

/** A small picture of a run's line and marker, for the legend and the tables' headings. */
export function swatch(index) {
  const style = SERIES[index];
  return svg("svg", { class: "run-swatch", width: 40, height: 16, viewBox: "0 0 40 16",
    "aria-hidden": "true" },
  svg("line", { x1: 1, y1: 8, x2: 39, y2: 8, stroke: style.colour, "stroke-width": 2.5,
    "stroke-dasharray": style.dash.length ? style.dash.join(" ") : null }), marker(index, 20, 8, 5));
}

