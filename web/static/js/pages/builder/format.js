// Numbers and shapes the way the Builder writes them: exact counts with separators, plus
// short forms (431.1 K, 2.29 M) and binary byte sizes (54.4 KiB), in the page's language
// (431.080 and 2,29 M in pt-BR).

import { formatNumber, t } from "../../i18n.js";

const SHORT = { maximumSignificantDigits: 3, useGrouping: false };
const UNITS = [[1e12, "T"], [1e9, "G"], [1e6, "M"], [1e3, "K"]];
const BYTE_UNITS = ["bytes", "KiB", "MiB", "GiB", "TiB"];

/** 431080 -> "431,080". */
export function count(value) {
  return formatNumber(value);
}

/** Three significant digits: 431080 -> "431 K", 2293760 -> "2.29 M", 84 -> "84". */
export function compact(value) {
  for (const [size, unit] of UNITS) {
    if (Math.abs(value) >= size) return `${formatNumber(value / size, SHORT)} ${unit}`;
  }
  return String(value);
}

/** 55712 -> "54.4 KiB". */
export function bytes(value) {
  let size = value;
  let unit = 0;
  while (size >= 1024 && unit < BYTE_UNITS.length - 1) {
    size /= 1024;
    unit += 1;
  }
  const text = unit === 0 ? String(size) : formatNumber(size, SHORT);
  return `${text} ${BYTE_UNITS[unit]}`;
}

/** [20, 28, 28] -> "20 × 28 × 28"; [500] -> "500"; null -> "not computed". */
export function shape(value) {
  if (!value) return t("not computed");
  return value.join(" \u00d7 ");
}

/** "Network for MNIST!" -> "network-for-mnist" (file names). */
export function slug(text) {
  return (text || "network").toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "")
    || "network";
}
