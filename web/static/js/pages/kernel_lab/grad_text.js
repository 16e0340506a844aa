// The backward tab's sentences, written by the page in its own language from the numbers
// POST /api/matrix answers (grad_explain's terms and rule_params, each identity's kind and
// params). The sums themselves are maths: in English they equal the API's `text`.

import { t, tn } from "../../i18n.js";
import { size, term } from "./numbers.js";

/** "dL/dX[0][1][1]": the gradient entry a rule or sum is about. */
export function entryName(ex) {
  const letter = { input: "X", kernel: "W", bias: "b" }[ex.of];
  return `dL/d${letter}${ex.index.map((i) => `[${i}]`).join("")}`;
}

/** The terms of the sum and its value (matrix_grad_explain.py's `text`). */
export function gradientSum(ex) {
  const n = ex.rule_params.n;
  const pieces = ex.terms.map((x) => {
    if (ex.of === "bias") return term(x.grad);
    if (ex.of === "kernel") return `${term(x.input)}*${term(x.grad)}`;
    return `${term(x.grad)}*${ex.rule_params.kind === "avg_pool" ? `1/${n}` : term(x.weight)}`;
  });
  const sum = pieces.length ? pieces.join(" + ") : t("no output reads it");
  return `${sum} = ${term(ex.value)}`;
}

const RULES = {
  bias: (p) => t("{entry} = sum over outputs (y, x) of {grad}", p),
  kernel: (p) => t("{entry} = sum over outputs (y, x) of {input} * {grad}", p),
  input: (p) => t("{entry} = sum over every output (k, y, x) whose window covers it of dL/dZ[k][y][x] * the kernel weight on it, {weight}", p),
  max_pool: (p) => t("{entry} = sum of dL/dY over the windows whose maximum it is (the first maximum in row-major order when tied)", p),
  avg_pool: (p) => t("{entry} = sum over the windows that cover it of dL/dY / {n}", p),
};

/** The rule one gradient entry follows (grad_explain's `rule`). */
export function gradientRule(ex) {
  const params = ex.rule_params;
  const [first] = ex.index;
  let rule = RULES[params.kind]({
    entry: entryName(ex), grad: `dL/dZ[${first}][y][x]`, input: params.where,
    weight: `W[k][${first}][i][j]`, n: String(params.n ?? ""),
  });
  if (params.flip) {
    rule = t("{rule} (convolution flips the kernel: {weight} sits at ({u}, {v}) of the window)",
      { rule, weight: `w[${ex.index[2]}][${ex.index[3]}]`, u: String(params.flip[0]),
        v: String(params.flip[1]) });
  }
  return params.relu ? t("{rule}; with relu, dL/dZ = dL/dY where Z > 0, else 0", { rule }) : rule;
}

function spreadByStride(p) {
  return p.stride > 1 ? [tn("dL/dZ[k] is spread out by the stride: {n} zero between entries.",
    "dL/dZ[k] is spread out by the stride: {n} zeros between entries.", p.stride - 1)] : [];
}

function kernelsIdentity(p) {
  const sizes = { padded: size(...p.padded), out: size(...p.out), pad: String(p.pad) };
  const sentences = [p.pad
    ? t("dL/dW[k][c] = the cross-correlation of the input X[c] (padded by {pad}: {padded}) with dL/dZ[k] ({out}).", sizes)
    : t("dL/dW[k][c] = the cross-correlation of the input X[c] ({padded}) with dL/dZ[k] ({out}).", sizes), ...spreadByStride(p)];
  if (p.dilation > 1) {
    sentences.push(t("The input is read every {d} positions (the dilation).",
      { d: String(p.dilation) }));
  }
  if (p.flip) {
    sentences.push(t("That is the kernel as slid; convolution flipped it, so its gradient is flipped back."));
  }
  return sentences.join(" ");
}

function inputIdentity(p) {
  const grid = { size: size(...p.padded), pad: String(p.pad) };
  const values = { out: size(...p.out), kernel: size(...p.kernel),
    grid: p.pad ? t("a {size} grid, less the padding border of {pad}", grid)
      : t("a {size} grid", grid) };
  const sentences = [p.flip
    ? t("dL/dX[c] = sum over k of the full convolution of dL/dZ[k] ({out}) with the kernel as slid, W[k][c] flipped ({kernel}), i.e. the full cross-correlation with it rotated 180 degrees, which is the kernel as typed: {grid}.", values)
    : t("dL/dX[c] = sum over k of the full convolution of dL/dZ[k] ({out}) with the kernel as slid, W[k][c] ({kernel}), i.e. the full cross-correlation with it rotated 180 degrees: {grid}.", values), ...spreadByStride(p)];
  if (p.dilation > 1) {
    sentences.push(tn("The kernel is spread out by the dilation: {n} zero between taps.",
      "The kernel is spread out by the dilation: {n} zeros between taps.", p.dilation - 1));
  }
  return sentences.join(" ");
}

const IDENTITIES = {
  relu: () => t("dL/dZ = dL/dY where the pre-activation Z > 0, else 0 (relu's derivative; 0 at Z = 0, as torch)"),
  max_pool: () => t("dL/dX: each dL/dY goes to the arg-max of its window (the first maximum in row-major order when tied, as torch); every other cell gets 0; where windows overlap the shares add up"),
  avg_pool: (p) => t("dL/dX: each dL/dY is spread evenly, dL/dY / {n} to each of the {n} cells of its {window} window; padded zeros count (torch's count_include_pad=True), and the shares that land on padding are dropped; where windows overlap they add up",
  { n: String(p.n), window: size(p.kh, p.kw) }),
  bias: () => t("dL/db[k] = the sum of dL/dZ[k] over every output"),
  kernels: kernelsIdentity,
  input: inputIdentity,
};

/** One identity of the answer's `identities`, in the page's language. */
export function identityText(identity) {
  const write = IDENTITIES[identity.kind];
  return write ? write(identity.params || {}) : identity.text;
}
