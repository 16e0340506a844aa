// The class-balance bar chart: an SVG of one bar per class (one blue, the charts' colour-
// blind-safe ink, with the count written at each bar), its text alternative, and the same
// numbers as a table. Classes under MIN_IMAGES are marked in amber with a dark outline.

import { h, svg } from "../../ui/dom.js";

export const MIN_IMAGES = 5; // a run refuses a class with fewer (POST /api/runs answers 422)
const BAR = "#0b4f9c";
const SHORT = "#ffd166";
const SHORT_LINE = "#5c3b00";

/** A sentence for the chart: counts, and what would make training refuse or struggle. */
export function balanceText(classes) {
  if (!classes.length) return "No classes yet.";
  const counts = classes.map((c) => c.count);
  const parts = classes.map((c) => `${c.name} ${c.count}`);
  let text = `Pictures per class: ${parts.join(", ")}.`;
  const short = classes.filter((c) => c.count < MIN_IMAGES).map((c) => c.name);
  if (short.length) text += ` Under ${MIN_IMAGES} pictures: ${short.join(", ")}.`;
  const least = Math.min(...counts);
  if (least > 0 && Math.max(...counts) >= 2 * least) {
    text += ` The largest class has ${(Math.max(...counts) / least).toFixed(1)} times the `
      + "pictures of the smallest: the network may favour it.";
  }
  return text;
}

export function renderBalance(container, classes) {
  const text = balanceText(classes);
  if (!classes.length) {
    container.replaceChildren(h("p", { class: "hint" }, text));
    return;
  }
  const rowHeight = 22;
  const labelWidth = 120;
  const width = 460;
  const most = Math.max(1, ...classes.map((c) => c.count));
  const chart = svg("svg", { class: "balance-svg", role: "img", "aria-labelledby": "balance-text",
    viewBox: `0 0 ${width} ${classes.length * rowHeight + 4}`,
    height: classes.length * rowHeight + 4, width });
  classes.forEach((c, i) => {
    const y = i * rowHeight + 2;
    const barWidth = ((width - labelWidth - 50) * c.count) / most;
    const short = c.count < MIN_IMAGES;
    chart.append(svg("text", { x: labelWidth - 6, y: y + 14, "text-anchor": "end",
      class: "balance-label" }, c.name.length > 16 ? `${c.name.slice(0, 15)}\u2026` : c.name));
    chart.append(svg("rect", { x: labelWidth, y, width: Math.max(barWidth, 1), height: rowHeight - 6,
      fill: short ? SHORT : BAR, stroke: short ? SHORT_LINE : BAR }));
    chart.append(svg("text", { x: labelWidth + barWidth + 4, y: y + 14, class: "balance-count" },
      String(c.count)));
  });
  const table = h("table", { class: "balance-table" },
    h("caption", { class: "visually-hidden" }, "Pictures per class"),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Class"),
      h("th", { scope: "col" }, "Pictures"))),
    h("tbody", {}, classes.map((c) => h("tr", {}, h("th", { scope: "row" }, c.name),
      h("td", {}, String(c.count), c.count < MIN_IMAGES ? ` (under ${MIN_IMAGES})` : "")))));
  container.replaceChildren(chart, h("p", { id: "balance-text", class: "hint" }, text),
    h("details", { class: "balance-details" }, h("summary", {}, "As a table"), table));
}

/** A few pictures per class at the dataset's own size, and scaled up with square pixels. */
export function renderPreview(list, hint, dataset) {
  const kind = dataset.channels === 1 ? "grayscale (1 channel)" : "colour (3 channels)";
  const scale = Math.max(1, Math.round(128 / dataset.size));
  hint.textContent = `The network's input is ${dataset.size} \u00d7 ${dataset.size} pixels, `
    + `${kind}, each picture ${dataset.fit === "pad" ? "padded" : "cropped"} to a square. `
    + `Each is shown at that size and ${scale} times larger. Training can add`
    + " augmentation (shifts, rotations, flips) on the Training page; these are the stored pictures.";
  list.replaceChildren(...dataset.classes.flatMap((c) => c.thumbnails.slice(0, 2).map((t, i) =>
    h("li", {}, h("figure", {},
      h("img", { src: t.png, alt: "", width: dataset.size, height: dataset.size }),
      h("img", { src: t.png, class: "pixelated", alt: `${c.name}, picture ${i + 1}, as the `
        + "network sees it", width: dataset.size * scale, height: dataset.size * scale }),
      h("figcaption", {}, c.name))))));
  if (!list.children.length) list.append(h("li", { class: "hint" }, "No pictures yet."));
}
