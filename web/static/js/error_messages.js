// The server's errors in the page's language. Every error the API sends has a stable
// `type` and, for ours, the values its English `msg` quotes in `ctx` (server/errors.py:
// PlaygroundError's code and params). A type listed here is rendered from the catalogue;
// any other shows the server's English message. Add a type: give the error a code and
// params where it is raised, and a line here with the same placeholders.

import { BUILDER_ERRORS } from "./errors/builder.js";
import { CLASSROOM_ERRORS } from "./errors/classroom.js";
import { DATA_ERRORS } from "./errors/data.js";
import { KERNEL_ERRORS } from "./errors/kernels.js";
import { lang, t } from "./i18n.js";

const MESSAGES = {
  ...BUILDER_ERRORS,
  ...CLASSROOM_ERRORS,
  ...DATA_ERRORS,
  ...KERNEL_ERRORS,
  // pydantic's own checks (ctx as pydantic sends it)
  missing: () => t("this field is required"),
  int_parsing: () => t("enter a whole number"),
  int_from_float: () => t("enter a whole number"),
  float_parsing: () => t("enter a number"),
  bool_parsing: () => t("choose yes or no"),
  greater_than_equal: (c) => t("enter a number of at least {ge}", c),
  greater_than: (c) => t("enter a number greater than {gt}", c),
  less_than_equal: (c) => t("enter a number of at most {le}", c),
  less_than: (c) => t("enter a number less than {lt}", c),
  string_too_short: (c) => t("enter at least {min_length} characters", c),
  string_too_long: (c) => t("enter at most {max_length} characters", c),
  too_short: (c) => t("give at least {min_length} items", c),
  too_long: (c) => t("give at most {max_length} items", c),
  literal_error: (c) => t("choose one of {expected}", c),
  enum: (c) => t("choose one of {expected}", c),
  json_invalid: () => t("the request is not valid JSON"),
  // this page's own failures
  http_error: (c) => t("the request failed (HTTP {status})", c),
  network: () => t("the server cannot be reached"),
};

/** One detail item ({loc, msg, type, ctx}) as a message in the page's language. */
export function localMessage(item) {
  if (lang === "en" || !item) return item && item.msg;
  const render = MESSAGES[item.type];
  if (!render) return item.msg;
  const ctx = {};
  for (const [key, value] of Object.entries(item.ctx || {})) {
    ctx[key] = Array.isArray(value) ? value.join(", ") : value;
  }
  const text = render(ctx);
  // a value the server did not send would show as {name}: the English message is better
  return /\{\w+\}/.test(text) ? item.msg : text;
}

/** Does the page know this type? (the tests compare with the server's codes) */
export function knownTypes() {
  return Object.keys(MESSAGES);
}
