// The class-balance bar chart: an SVG of one bar per class (one blue, the charts' colour-
// blind-safe ink, with the count written at each bar), its text alternative, and the same
// numbers as a table. Classes under MIN_IMAGES are marked in amber with a dark outline.

import { formatNumber, t, tn } from "../../i18n.js";
import { h, svg } from "../../ui/dom.js";

export const MIN_IMAGES = 5; // a run refuses a class with fewer (POST /api/runs answers 422)
const BAR = "#0b4f9c";
const SHORT = "#ffd166";
const SHORT_LINE = "#5c3b00";

/** A sentence for the chart: counts, and what would make training refuse or struggle. */
export function balanceText(classes) {
  if (!classes.length) return t("No classes yet.");
  const counts = classes.map((c) => c.count);
  const parts = classes.map((c) => `${c.name} ${formatNumber(c.count)}`);
  const text = [t("Pictures per class: {list}.", { list: parts.join(", ") })];
  const short = classes.filter((c) => c.count < MIN_IMAGES).map((c) => c.name);
  if (short.length) {
    text.push(tn("Under {n} picture: {names}.", "Under {n} pictures: {names}.", MIN_IMAGES,
      { names: short.join(", ") }));
  }
  const least = Math.min(...counts);
  if (least > 0 && Math.max(...counts) >= 2 * least) {
    const ratio = formatNumber(Math.max(...counts) / least, { minimumFractionDigits: 1,
      maximumFractionDigits: 1 });
    text.push(t("The largest class has {ratio} times the pictures of the smallest: the network may favour it.", { ratio }));
  }
  return text.join(" ");
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
  const under = t("(under {min})", { min: MIN_IMAGES });
  const table = h("table", { class: "balance-table" },
    h("caption", { class: "visually-hidden" }, t("Pictures per class")),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, t("Class")),
      h("th", { scope: "col" }, t("Pictures")))),
    h("tbody", {}, classes.map((c) => h("tr", {}, h("th", { scope: "row" }, c.name),
      h("td", {}, formatNumber(c.count),
        c.count < MIN_IMAGES ? " " : "", c.count < MIN_IMAGES ? under : "")))));
  container.replaceChildren(chart, h("p", { id: "balance-text", class: "hint" }, text),
    h("details", { class: "balance-details" }, h("summary", {}, t("As a table")), table));
}

/** "The network's input is 32 x 32 pixels, grayscale (1 channel), each picture padded to a
 * square." */
function inputText({ size, channels, fit }) {
  const p = { size };
  if (channels === 1) {
    return fit === "pad"
      ? t("The network's input is {size} \u00d7 {size} pixels, grayscale (1 channel), each picture padded to a square.", p)
      : t("The network's input is {size} \u00d7 {size} pixels, grayscale (1 channel), each picture cropped to a square.", p);
  }
  return fit === "pad"
    ? t("The network's input is {size} \u00d7 {size} pixels, colour (3 channels), each picture padded to a square.", p)
    : t("The network's input is {size} \u00d7 {size} pixels, colour (3 channels), each picture cropped to a square.", p);
}

/** A few pictures per class at the dataset's own size, and scaled up with square pixels. */
export function renderPreview(list, hint, dataset) {
  const scale = Math.max(1, Math.round(128 / dataset.size));
  hint.textContent = [inputText(dataset),
    t("Each is shown at that size and {scale} times larger.", { scale }),
    t("Training can add augmentation (shifts, rotations, flips) on the Training page; these are the stored pictures.")].join(" ");
  list.replaceChildren(...dataset.classes.flatMap((c) => c.thumbnails.slice(0, 2).map((thumb, i) =>
    h("li", {}, h("figure", {},
      h("img", { src: thumb.png, alt: "", width: dataset.size, height: dataset.size }),
      h("img", { src: thumb.png, class: "pixelated", alt: t("{name}, picture {n}, as the network sees it",
        { name: c.name, n: i + 1 }), width: dataset.size * scale, height: dataset.size * scale }),
      h("figcaption", {}, c.name))))));
  if (!list.children.length) list.append(h("li", { class: "hint" }, t("No pictures yet.")));
}
