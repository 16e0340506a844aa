// The server's IoU working ("Area A = width x height = 40 x 40 = 1600", one line each) in the
// page's language: each known line is matched and its numbers and formulas kept as sent; a
// line of another form shows as sent.

import { t } from "../../i18n.js";

const indented = (text) => `  ${text}`;

const LINES = [
  [/^Box (\w) \(([^)]*)\) = \(([^)]*)\) -> corners \(x1, y1, x2, y2\) = \(([^)]*)\)$/,
    ([, name, fields, values, corners]) => t("Box {name} ({fields}) = ({values}) -> corners (x1, y1, x2, y2) = ({corners})", { name, fields, values, corners })],
  [/^Box (\w) \(([^)]*)\) = \(([^)]*)\)$/, ([, name, fields, values]) =>
    t("Box {name} ({fields}) = ({values})", { name, fields, values })],
  [/^Area (\w) = width x height = (.*)$/, ([, name, value]) =>
    t("Area {name} = width x height = {value}", { name, value })],
  [/^Intersection corners:$/, () => t("Intersection corners:")],
  [/^ {2}width = max\(0, x2 - x1\) = (.*)$/, ([, value]) =>
    indented(t("width = max(0, x2 - x1) = {value}", { value }))],
  [/^ {2}height = max\(0, y2 - y1\) = (.*)$/, ([, value]) =>
    indented(t("height = max(0, y2 - y1) = {value}", { value }))],
  [/^Intersection I = width x height = (.*): the boxes do not overlap$/, ([, value]) =>
    t("Intersection I = width x height = {value}: the boxes do not overlap", { value })],
  [/^Intersection I = width x height = (.*)$/, ([, value]) =>
    t("Intersection I = width x height = {value}", { value })],
  [/^Union U = A \+ B - I = (.*)$/, ([, value]) => t("Union U = A + B - I = {value}", { value })],
];

function line(text) {
  for (const [pattern, render] of LINES) {
    const found = pattern.exec(text);
    if (found) return render(found);
  }
  return text;
}

/** The IoU answer's `text`, line by line in the page's language. */
export function iouText(text) {
  return String(text || "").split("\n").map(line).join("\n");
}
