// The sentences behind a result: the weighted sum of one result pixel (POST
// /api/kernels/explain), the sum behind one output of the numeric walk-through and its output
// size (POST /api/matrix), written by the page from the answer's numbers in its own
// language. In English they equal the API's `text` and `formula` (tested).

import { t, tn, tx } from "../../i18n.js";
import { listed, size, term } from "./numbers.js";

const NONLINEAR = {
  median: (p) => t("median of the {size} neighbourhood = {values}", p),
  min: (p) => t("minimum of the {size} neighbourhood = {values}", p),
  max: (p) => t("maximum of the {size} neighbourhood = {values}", p),
  bilateral: (p) => t("bilateral (edge-aware weighted) average of the {size} neighbourhood = {values}", p),
};

/** 2-D kernels of up to 25 weights are written out term by term (as the server does). */
function writtenOut(kernel) {
  const flat = kernel.flat(Infinity);
  return !Array.isArray(kernel[0][0]) && flat.length <= 25;
}

function linearText(info) {
  const kernel = info.weights[0];
  const texts = info.channels.map((channel) => {
    const sum = term(channel.sum, 3);
    if (!writtenOut(kernel)) {
      return t("{channel}: sum of {n} products = {sum}", { channel: tx(channel.name),
        n: kernel.flat(Infinity).length, sum });
    }
    const weights = kernel.flat();
    const terms = channel.inputs.flat().map((v, i) => `${term(v, 3)}*${term(weights[i], 3)}`);
    return `${tx(channel.name)}: ${terms.join(" + ")} = ${sum}`;
  });
  if (info.summed_over_channels) {
    const total = info.channels.reduce((a, ch) => a + ch.sum, 0);
    texts.push(t("summed over channels = {value}", { value: term(total, 3) }));
  }
  if (info.op !== "gradient_magnitude") return texts.join("; ");
  const magnitudes = info.channels.map((ch) => `${tx(ch.name)}: sqrt(Gx^2 + Gy^2) = ` +
    `sqrt(${term(ch.gx, 3)}^2 + ${term(ch.gy, 3)}^2)`);
  if (info.summed_over_channels) magnitudes.push(t("Gx and Gy summed over channels first"));
  return magnitudes.join("; ");
}

/** The text under a result pixel's explanation (explain.py's `text`). */
export function pixelText(info) {
  const write = NONLINEAR[info.op];
  if (!write) return linearText(info);
  const side = info.channels[0].inputs.length;
  const values = info.channels.slice(0, info.value.length)
    .map((channel, c) => `${tx(channel.name)} ${term(info.value[c], 3)}`);
  return write({ size: size(side), values: listed(values) });
}

/** The sum behind one output of the numeric walk-through (matrix.py's explain `text`). */
export function outputText(explain, op) {
  if (op === "max_pool" || op === "avg_pool") {
    const params = { values: listed(explain.terms.map((x) => term(x.input))),
      value: term(explain.value) };
    return op === "max_pool" ? t("max({values}) = {value}", params)
      : t("mean({values}) = {value}", params);
  }
  const products = explain.terms.map((x) => `${term(x.input)}*${term(x.weight)}`).join(" + ");
  const value = term(explain.pre_activation);
  const text = explain.bias ? t("{products} + bias {bias} = {value}", { products,
    bias: term(explain.bias), value }) : `${products} = ${value}`;
  return explain.activation === "relu"
    ? t("{text}; relu -> {value}", { text, value: term(explain.value) }) : text;
}

/** "Output size: (5 - 3 + 2*0)/1 + 1 = 3" (matrix.py's `formula`, with the map count). */
export function outputSize(result) {
  const [height, width] = result.input_size;
  const [kh, kw] = result.window;
  const { padding: pad, stride, dilation: d } = result;
  const [maps, oh, ow] = result.output_shape;
  const sh = d * (kh - 1) + 1;
  const sw = d * (kw - 1) + 1;
  const axis = (n, f, out) => `(${n} - ${f} + 2*${pad})/${stride} + 1 = ${out}`;
  let formula = axis(height, sh, oh);
  if (height !== width || sh !== sw) {
    formula = t("{height}; width: {width}", { height: formula, width: axis(width, sw, ow) });
  }
  if (d > 1) {
    formula = t("{formula} (a {kernel} kernel with dilation {d} spans {span})", { formula,
      kernel: size(kh, kw), d: String(d), span: size(sh, sw) });
  }
  return maps > 1 ? tn("Output size: {formula} ({n} output map)",
    "Output size: {formula} ({n} output maps)", maps, { formula })
    : t("Output size: {formula}", { formula });
}
