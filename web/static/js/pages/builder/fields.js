// One form control per schema field (see catalog.js): its label, hint, and the parsing of
// what is typed into the JSON value sent to the server. Text that does not parse is sent
// as typed, so the server's message lands on the field.

import { formatNumber, t } from "../../i18n.js";
import { h } from "../../ui/dom.js";

const INTEGER = /^[+-]?\d+$/;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;
const PAIR = /^\s*([+-]?\d+)\s*[,x\u00d7]\s*([+-]?\d+)\s*$/i;

function num(value) {
  return formatNumber(value, { useGrouping: false, maximumFractionDigits: 6 });
}

function range(d) {
  const lo = d.min !== null ? `${num(d.min)} \u2264 `
    : d.exclusiveMin !== null ? `${num(d.exclusiveMin)} < ` : "";
  const hi = d.max !== null ? ` \u2264 ${num(d.max)}`
    : d.exclusiveMax !== null ? ` < ${num(d.exclusiveMax)}` : "";
  return lo || hi ? `${lo}n${hi}` : "";
}

/** "Type a whole number; 1 ≤ n ≤ 64; blank for the default." as one sentence. */
function typeSentence(ways, bounds, blank) {
  if (bounds && blank) return t("Type {ways}; {bounds}; blank for the default.", { ways, bounds });
  if (bounds) return t("Type {ways}; {bounds}.", { ways, bounds });
  if (blank) return t("Type {ways}; blank for the default.", { ways });
  return t("Type {ways}.", { ways });
}

/** What the field accepts, in words: "Whole number, 1 ≤ n ≤ 4096." */
export function accepts(d) {
  if (d.kind === "boolean" || d.kind === "choice") return "";
  if (d.kind === "number") {
    const bounds = range(d);
    if (d.integer) return bounds ? t("Whole number, {bounds}.", { bounds }) : t("Whole number.");
    return bounds ? t("Number, {bounds}.", { bounds }) : t("Number.");
  }
  const ways = [];
  if (d.numeric) ways.push(d.integer ? t("a whole number") : t("a number"));
  if (d.pair) ways.push(t("height,width (e.g. 3,5)"));
  ways.push(...d.options.map((o) => `"${o}"`));
  const either = ways.reduce((first, second) => t("{first} or {second}", { first, second }));
  return typeSentence(either, range(d.numeric ? d : d.pair || d), d.nullable);
}

function parseNumber(d, text) {
  const typed = text.trim();
  if (typed === "" && d.nullable) return null;
  if (d.integer ? INTEGER.test(typed) : NUMBER.test(typed)) return Number(typed);
  return text;
}

function parseText(d, text) {
  const typed = text.trim();
  if (typed === "") return d.nullable ? null : text;
  if (d.numeric && (d.integer ? INTEGER.test(typed) : NUMBER.test(typed))) return Number(typed);
  const pair = d.pair && PAIR.exec(typed);
  if (pair) return [Number(pair[1]), Number(pair[2])];
  const word = d.options.find((o) => String(o).toLowerCase() === typed.toLowerCase());
  return word !== undefined ? word : text;
}

/** The JSON value for what a control holds. */
export function parse(d, control) {
  if (d.kind === "boolean") return control.checked;
  if (d.kind === "choice") return control.value === "" && d.nullable ? null : control.value;
  if (d.kind === "number") return parseNumber(d, control.value);
  return parseText(d, control.value);
}

/** A JSON value as the text a control shows: [3, 5] -> "3,5", null -> "". */
export function display(value) {
  if (value === null || value === undefined) return "";
  if (Array.isArray(value)) return value.join(",");
  return String(value);
}

function numberInput(d, id, value) {
  return h("input", {
    id, type: "number", value: display(value), inputmode: d.integer ? "numeric" : "decimal",
    min: d.min ?? d.exclusiveMin, max: d.max ?? d.exclusiveMax, step: d.integer ? 1 : "any",
  });
}

function choiceSelect(d, id, value) {
  const options = d.options.map((o) => h("option", { value: o }, String(o)));
  if (d.nullable) options.unshift(h("option", { value: "" }, t("none")));
  const select = h("select", { id }, options);
  select.value = display(value);
  return select;
}

function textInput(d, id, value) {
  const list = d.options.length ? `${id}-options` : null;
  const input = h("input", {
    id, type: "text", value: display(value), autocomplete: "off",
    placeholder: d.nullable ? t("default") : null,
  });
  input.setAttribute("spellcheck", "false");
  if (!list) return [input];
  input.setAttribute("list", list);
  return [input, h("datalist", { id: list }, d.options.map((o) => h("option", { value: o })))];
}

/** The .field element for one descriptor; onChange(name, value) on every edit. */
export function fieldControl(d, idPrefix, value, onChange) {
  const id = `${idPrefix}-${d.name}`;
  const hintText = [d.description, accepts(d)].filter(Boolean).join(" ");
  const hint = hintText ? h("p", { class: "hint", id: `${id}-hint` }, hintText) : null;
  let control;
  let extra = [];
  if (d.kind === "boolean") control = h("input", { id, type: "checkbox", checked: value === true });
  else if (d.kind === "choice") control = choiceSelect(d, id, value);
  else if (d.kind === "number") control = numberInput(d, id, value);
  else [control, ...extra] = textInput(d, id, value);
  if (hint) control.setAttribute("aria-describedby", hint.id);
  const event = d.kind === "boolean" || d.kind === "choice" ? "change" : "input";
  control.addEventListener(event, () => onChange(d.name, parse(d, control)));
  const label = h("label", { for: id }, d.title);
  const check = d.kind === "boolean";
  return h("div", { class: check ? "field check" : "field", dataset: { loc: d.name } },
    check ? [control, label, hint] : [label, control, ...extra, hint]);
}
