// A colour-blind-safe diverging palette for signed weights: blue (negative) - light grey
// (zero) - orange (positive). The sign is always written too, never shown by colour alone.

const NEGATIVE = [33, 102, 172]; // #2166ac
const ZERO = [247, 247, 247];
const POSITIVE = [179, 88, 6]; // #b35806

function mix(a, b, t) {
  return a.map((v, i) => Math.round(v + (b[i] - v) * t));
}

/** Background and text colour for value v when the largest magnitude shown is `scale`. */
export function weightColours(v, scale) {
  const t = scale > 0 ? Math.min(Math.abs(v) / scale, 1) : 0;
  const rgb = mix(ZERO, v < 0 ? NEGATIVE : POSITIVE, t);
  return { background: `rgb(${rgb.join(",")})`, color: t > 0.55 ? "#fff" : "#111" };
}

export function paintWeight(node, v, scale) {
  const { background, color } = weightColours(Number.isFinite(v) ? v : 0, scale);
  node.style.backgroundColor = background;
  node.style.color = color;
}

export function largestMagnitude(values) {
  let largest = 0;
  for (const v of values.flat(Infinity)) {
    if (Number.isFinite(v)) largest = Math.max(largest, Math.abs(v));
  }
  return largest;
}
