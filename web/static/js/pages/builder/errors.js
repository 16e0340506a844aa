// The server's problems ({loc, msg}) sorted by where they belong: ["layers", i, field]
// goes to card i (next to the field, or on the card when the field is "type"),
// ["input", field] to the input form, anything else above the stack.

import { h } from "../../ui/dom.js";

/** "layer 2 (conv2d): stride: Input should be..." -> "Input should be..." (an error the page
 * rendered in its own language from the type has no such prefix: kept whole). */
export function cleanMessage(msg, item = null) {
  if (item && item.english !== undefined && item.english !== item.msg) return String(msg);
  return String(msg).replace(/^layer \d+ \([^)]*\): /, "").replace(/^[\w.\-[\]]+: /, "");
}

/** {layers: Map(index -> [{loc: [field, ...], msg}]), input: [...], general: [...]} */
export function routeErrors(detail) {
  const layers = new Map();
  const input = [];
  const general = [];
  const seen = new Set();
  for (const item of detail) {
    const loc = item.loc || [];
    // A value of a union type fails once per member (int, [h, w]): keep the first.
    const key = loc.length > 3 ? JSON.stringify(loc.slice(0, 3)) : JSON.stringify([loc, item.msg]);
    if (seen.has(key)) continue;
    seen.add(key);
    if (loc[0] === "layers" && Number.isInteger(loc[1])) {
      if (!layers.has(loc[1])) layers.set(loc[1], []);
      layers.get(loc[1]).push({ loc: loc.slice(2).map(String), msg: cleanMessage(item.msg, item) });
    } else if (loc[0] === "input") {
      input.push({ loc, msg: cleanMessage(item.msg, item) });
    } else {
      general.push(item.msg);
    }
  }
  return { layers, input, general };
}

/** Messages that concern the whole network, above the stack. */
export function showGeneral(box, messages) {
  box.replaceChildren(...messages.map((m) => h("p", { class: "field-error", role: "alert" }, m)));
  box.hidden = messages.length === 0;
}
