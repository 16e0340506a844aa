// Building DOM elements: h("button", {class: "x", onclick: fn, "aria-label": "..."}, "text").

import { formatNumber, lang } from "../i18n.js";

export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "class") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key in node && !key.includes("-")) node[key] = value;
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  node.append(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

const SVG_NS = "http://www.w3.org/2000/svg";

/** An SVG element: svg("rect", {x: 1, class: "bar"}, "text or child nodes"). */
export function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value !== null && value !== undefined) node.setAttribute(key, String(value));
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

export function byId(id) {
  const node = document.getElementById(id);
  if (!node) throw new Error(`#${id} is missing from the page`);
  return node;
}

/** A number the way the maths panels write it: integers plain, others to 4 significant,
 * with the page's decimal mark (2,922 in pt-BR) and no thousands separators. */
export function fmt(value) {
  if (value === null || value === undefined) return "pad";
  const plain = Number.isInteger(value) ? value : Number(value.toPrecision(4));
  if (lang === "en") return String(plain);
  return formatNumber(plain, { maximumFractionDigits: 20, useGrouping: false });
}
