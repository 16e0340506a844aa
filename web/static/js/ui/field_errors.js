// Server errors ({loc, msg}) shown next to the control that loc names. Controls carry
// data-loc keys such as "channels", "step.stride", "step.matrix", "steps.2" (a pipeline
// row) or "general"; the longest key that matches a prefix of loc receives the message.

import { h } from "./dom.js";

let counter = 0;

/** "steps.0.stride: Input should be..." -> "Input should be..." (the control says where). */
function shortMessage(msg) {
  return msg.replace(/^[\w.[\]]+: /, "");
}

/** loc -> candidate keys, most specific first. selected: the step the editor shows. */
export function locKeys(loc, selected) {
  const parts = loc.filter((p) => typeof p === "number" || !String(p).includes("["));
  if (parts[0] === "spec") parts.shift();
  let path = parts.map(String);
  if (parts[0] === "steps" && typeof parts[1] === "number") {
    path = parts[1] === selected ? ["step", ...path.slice(2)] : ["steps", path[1]];
  }
  const keys = [];
  for (let n = path.length; n > 0; n -= 1) keys.push(path.slice(0, n).join("."));
  keys.push("general");
  return keys;
}

export class FieldErrors {
  constructor(root) {
    this.root = root;
    this.shown = [];
  }

  find(keys) {
    for (const key of keys) {
      const target = this.root.querySelector(`[data-loc="${key}"]`);
      if (target) return target;
    }
    return null;
  }

  /** Show every message of detail; returns how many were placed. */
  show(detail, selected = 0) {
    this.clear();
    // A 2-D matrix that fails also fails the C x kh x kw alternative: keep the 2-D message.
    const is3d = (item) => (item.loc || []).some((p) => String(p).startsWith("list[list[list"));
    const relevant = detail.some((d) => !is3d(d)) ? detail.filter((d) => !is3d(d)) : detail;
    for (const item of relevant) {
      const target = this.find(locKeys(item.loc || [], selected));
      if (target) this.attach(target, shortMessage(item.msg));
    }
    return this.shown.length;
  }

  attach(target, message) {
    counter += 1;
    const note = h("p", { class: "field-error", id: `field-error-${counter}`, role: "alert" },
      message);
    const field = target.closest(".field") || target;
    field.append(note);
    field.classList.add("has-error");
    const control = target.matches("input, select, textarea, button") ? target
      : target.querySelector("input, select, textarea");
    const described = control ? control.getAttribute("aria-describedby") : null;
    if (control) {
      control.setAttribute("aria-invalid", "true");
      control.setAttribute("aria-describedby", [note.id, described].filter(Boolean).join(" "));
    }
    this.shown.push({ note, field, control, described });
  }

  clear() {
    for (const { note, field, control, described } of [...this.shown].reverse()) {
      note.remove();
      field.classList.remove("has-error");
      if (control) {
        control.removeAttribute("aria-invalid");
        if (described) control.setAttribute("aria-describedby", described);
        else control.removeAttribute("aria-describedby");
      }
    }
    this.shown = [];
  }
}
