// The server's preprocessing steps and saliency notes, written in English with their numbers
// ("resized from 640x480 to 28x21 ..."), in the page's language: each known form is matched
// and its numbers kept as sent; a text of another form shows as sent.

import { formatNumber, t } from "../../i18n.js";

/** "0.4914/0.4822" -> "0,4914/0,4822" in pt-BR: the decimals of a value list. */
const numbers = (text) => text.replace(/\d+\.\d+/g, (n) => formatNumber(Number(n),
  { maximumFractionDigits: 10, useGrouping: false }));

const STEPS = [
  [/^converted to grayscale \(luma\)$/, () => t("converted to grayscale (luma)")],
  [/^grayscale repeated into 3 channels$/, () => t("grayscale repeated into 3 channels")],
  [/^inverted \(dark on light -> light on dark, as in the training images\)$/,
    () => t("inverted (dark on light -> light on dark, as in the training images)")],
  [/^levels stretched: background (\S+) -> 0, brightest (\S+) -> 255$/, ([, low, high]) =>
    t("levels stretched: background {low} -> 0, brightest {high} -> 255", { low, high })],
  [/^no content found above the background: the whole image is used$/,
    () => t("no content found above the background: the whole image is used")],
  [/^cropped to the content \((\S+) pixels\)$/, ([, size]) =>
    t("cropped to the content ({size} pixels)", { size })],
  [/^scaled to (\S+) and centred by its centre of mass in (\S+) on black$/, ([, size, frame]) =>
    t("scaled to {size} and centred by its centre of mass in {frame} on black", { size, frame })],
  [/^scaled to (\S+) and centred in (\S+) on black$/, ([, size, frame]) =>
    t("scaled to {size} and centred in {frame} on black", { size, frame })],
  [/^resized from (\S+) to (\S+) keeping the aspect ratio and padded with black to (\S+)$/,
    ([, from, size, frame]) => t("resized from {from} to {size} keeping the aspect ratio and padded with black to {frame}", { from, size, frame })],
  [/^resized from (\S+) to (\S+) keeping the aspect ratio to (\S+)$/, ([, from, size, frame]) =>
    t("resized from {from} to {size} keeping the aspect ratio to {frame}", { from, size, frame })],
  [/^already (\S+): used as it is$/, ([, size]) => t("already {size}: used as it is", { size })],
  [/^padded with its border colour to a square and resized to (\S+), as your dataset's pictures were$/,
    ([, size]) => t("padded with its border colour to a square and resized to {size}, as your dataset's pictures were", { size })],
  [/^cropped to a square and resized to (\S+), as your dataset's pictures were$/, ([, size]) =>
    t("cropped to a square and resized to {size}, as your dataset's pictures were", { size })],
  [/^scaled by (\S+) and normalized with mean (\S+) and std (\S+)$/, ([, scale, mean, std]) =>
    t("scaled by {scale} and normalized with mean {mean} and std {std}",
      { scale, mean: numbers(mean), std: numbers(std) })],
];

const NOTES = [
  [/^Grad-CAM on layer (\d+) \(([^,]+), (\S+)\): where the features that raise the score of '(.*)' are, upsampled from \S+\. An approximation of what the model looks at, not a proof of why it decided\.$/s,
    ([, index, type, size, label]) => t("Grad-CAM on layer {index} ({type}, {size}): where the features that raise the score of '{label}' are, upsampled from {size}. An approximation of what the model looks at, not a proof of why it decided.", { index, type, size, label })],
  [/^gradient x input: how much each pixel, as it is, pushes the score of '(.*)' \(first-order, so an approximation of what the model looks at\)\.$/s,
    ([, label]) => t("gradient x input: how much each pixel, as it is, pushes the score of '{label}' (first-order, so an approximation of what the model looks at).", { label })],
];

function translated(table, text) {
  if (typeof text !== "string") return text;
  for (const [pattern, render] of table) {
    const found = pattern.exec(text);
    if (found) return render(found);
  }
  return text;
}

/** A preprocessing step ("converted to grayscale (luma)") in the page's language. */
export function stepText(text) {
  return translated(STEPS, text);
}

/** A saliency map's note in the page's language. */
export function noteText(text) {
  return translated(NOTES, text);
}
