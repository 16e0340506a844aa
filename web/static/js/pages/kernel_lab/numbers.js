// Numbers in the Kernel Lab's maths, in the page's language. English keeps the notation the
// server's texts use (so a page's sentence equals the API's English text); other languages
// write them with Intl (0,5 in pt-BR), and separate listed numbers with "; " where the
// decimal mark is a comma.

import { fmt } from "../../ui/dom.js";
import { formatNumber, lang, t } from "../../i18n.js";

const ENGLISH = lang === "en";
const COMMA = formatNumber(0.5).includes(",");

function local(value, digits) {
  if (Number.isInteger(value)) return formatNumber(value, { maximumFractionDigits: 0 });
  return formatNumber(value, { maximumSignificantDigits: digits });
}

/** An exact tie (120.5 to 3 digits) rounded half to even, as Python does (JavaScript rounds
 * it up): the value cut to `digits` digits when that is Python's answer, else the value. */
function halfEven(value, digits) {
  const [mantissa, power] = Math.abs(value).toExponential(99).split("e");
  const figures = mantissa.replace(".", "");
  const kept = figures.slice(0, digits);
  if (!/^50*$/.test(figures.slice(digits)) || Number(kept.at(-1)) % 2 === 1) return value;
  return Math.sign(value) * Number(`${kept[0]}.${kept.slice(1)}e${power}`);
}

/** Python's format(value, f".{digits}g"): what the server writes in its English texts. */
export function pythonG(value, digits) {
  if (!Number.isFinite(value)) return Number.isNaN(value) ? "nan" : value > 0 ? "inf" : "-inf";
  if (value === 0) return "0";
  value = halfEven(value, digits);
  const [mantissa, power] = value.toExponential(digits - 1).split("e");
  const exponent = Number(power);
  const trim = (text) => (text.includes(".") ? text.replace(/\.?0+$/, "") : text);
  if (exponent < -4 || exponent >= digits) {
    const sign = exponent < 0 ? "-" : "+";
    return `${trim(mantissa)}e${sign}${String(Math.abs(exponent)).padStart(2, "0")}`;
  }
  return trim(value.toFixed(Math.max(digits - 1 - exponent, 0)));
}

/** A number in a grid cell: integers whole, others to 4 significant digits; null is padding. */
export function num(value) {
  if (value === null || value === undefined) return t("pad");
  if (ENGLISH || !Number.isFinite(value)) return fmt(value);
  return local(value, 4);
}

/** A number inside a formula, as the server's texts write it (`digits` significant). */
export function term(value, digits = 4) {
  if (value === null || value === undefined) return t("pad");
  if (Number.isInteger(value)) return ENGLISH ? String(value) : local(value, digits);
  return ENGLISH || !Number.isFinite(value) ? pythonG(value, digits) : local(value, digits);
}

/** Listed numbers: "1, 2.5" in English, "1; 2,5" where the decimal mark is a comma. */
export function listed(items) {
  return items.join(COMMA ? "; " : ", ");
}

/** "3x5": a size (whole numbers, never grouped). */
export function size(rows, cols = rows) {
  return `${rows}x${cols}`;
}
