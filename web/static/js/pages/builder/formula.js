// A layer's formula in the page's language: the summary row sends `formula` (English where
// it has words) with `formula_type` and `formula_ctx`; a known type is written as one whole
// sentence from its values, anything else (pure maths: type null) as the server wrote it.

import { formatNumber, t } from "../../i18n.js";

// Digits as in the maths around them (no grouping: "3136", as in "64 x 7 x 7 = 3136").
const DIGITS = { useGrouping: false };

function numbers(ctx) {
  return Object.fromEntries(Object.entries(ctx).map(([key, value]) => [key,
    typeof value === "number" ? formatNumber(value, DIGITS) : value]));
}

const SENTENCES = {
  same_padding: (c) => t(
    "same: ceil({size}/{stride}) = {output} (pads {before} before, {after} after)", c),
  height_width: (c) => t("height: {height}; width: {width}", {
    height: formulaText(c.height, c.height_type, c.height_ctx),
    width: formulaText(c.width, c.width_type, c.width_ctx),
  }),
  mean_per_channel: (c) => t("mean over {height}x{width} per channel -> [{channels}]", c),
  residual_shortcut: (c) => t(
    "3x3 stride {stride}, padding 1: floor(({size} - 1)/{stride}) + 1 = {output}; plus the shortcut",
    c),
  concat_channels: (c) => t(
    "concat {b1x1} + {b3x3} + {b5x5} + {pool_proj} = {channels} channels", c),
  dense_units: (c) => t("{inputs} inputs x {units} units", c),
  dense_units_bias: (c) => t("{inputs} inputs x {units} units + bias", c),
  batch_norm_params: (c) => t("{channels} channels x (gamma, beta, mean, variance)", c),
};

/** The formula of a type and ctx in the page's language; `text` when the type is unknown. */
export function formulaText(text, type, ctx) {
  const sentence = type && ctx && Object.hasOwn(SENTENCES, type) ? SENTENCES[type] : null;
  return sentence ? sentence(type === "height_width" ? ctx : numbers(ctx)) : text;
}

/** A summary row's formula (null when it has none). */
export function rowFormula(row) {
  if (!row || !row.formula) return null;
  return formulaText(row.formula, row.formula_type, row.formula_ctx);
}
