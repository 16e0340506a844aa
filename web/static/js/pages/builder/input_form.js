// The input shape form (channels x height x width) at the top of the stack.

import { byId } from "../../ui/dom.js";

const NAMES = ["channels", "height", "width"];
const INTEGER = /^\s*[+-]?\d+\s*$/;

/** onChange(name, value): a whole number, or the text as typed (the server says why not). */
export function bindInputForm(onChange) {
  for (const name of NAMES) {
    const input = byId(`input-${name}`);
    input.addEventListener("input", () => {
      onChange(name, INTEGER.test(input.value) ? Number(input.value) : input.value);
    });
  }
}

export function showInput(values) {
  for (const name of NAMES) {
    byId(`input-${name}`).value = values[name] === undefined ? "" : String(values[name]);
  }
}
