// The page scripts' language: messages from the catalogue the server serves for the page's
// language (GET /api/i18n/{language}, named by <meta name="i18n-catalogue">), plural forms
// by Intl.PluralRules and numbers by Intl.NumberFormat (1.234,5 in pt-BR).
//
// Write every message whole, in English, as a literal: t("Epoch {epoch} of {epochs}",
// { epoch, epochs }) or tn("{n} run", "{n} runs", n). `make messages` extracts them for
// translators (docs/translating.md); never join translated fragments into a sentence.
// Text that comes from the server (layer and kernel descriptions) goes through tx(text).

const hasDocument = typeof document !== "undefined";

/** The page's language, as in <html lang>: "en" or "pt-BR". */
export const lang = (hasDocument && document.documentElement.lang) || "en";

async function load() {
  const meta = hasDocument && document.querySelector('meta[name="i18n-catalogue"]');
  if (!meta || !meta.content) return { messages: {}, plural_categories: ["one", "other"] };
  try {
    const response = await fetch(meta.content, { credentials: "same-origin" });
    if (response.ok) return await response.json();
  } catch {
    // offline or the server went away: the English source shows instead
  }
  return { messages: {}, plural_categories: ["one", "other"] };
}

const catalogue = await load();
const numbers = new Map();
const plurals = new Intl.PluralRules(lang);

/** A number in the page's language; options as for Intl.NumberFormat. */
export function formatNumber(value, options = {}) {
  const key = JSON.stringify(options);
  if (!numbers.has(key)) numbers.set(key, new Intl.NumberFormat(lang, options));
  return numbers.get(key).format(value);
}

/** "{name}" -> params.name; numbers in the page's language. A missing one stays visible. */
export function fill(text, params = {}) {
  return text.replace(/\{(\w+)\}/g, (whole, name) => {
    const value = params[name];
    if (value === undefined || value === null) return whole; // seen, not "undefined"
    return typeof value === "number" ? formatNumber(value) : String(value);
  });
}

/** A message in the page's language. */
export function t(message, params) {
  const found = catalogue.messages[message];
  return fill(typeof found === "string" ? found : message, params);
}

/** A message whose English is used with another meaning elsewhere: tp("run status",
 * "Training") is a run's state, not the page's name; the context tells translators. */
export function tp(context, message, params) {
  const found = catalogue.messages[`${context}\u0004${message}`];
  return fill(typeof found === "string" ? found : message, params);
}

/** A message with a count: tn("{n} run", "{n} runs", count). `n` is filled in too. */
export function tn(singular, plural, n, params = {}) {
  const forms = catalogue.messages[singular];
  const all = { n, ...params };
  if (!Array.isArray(forms)) return fill(n === 1 ? singular : plural, all);
  const index = catalogue.plural_categories.indexOf(plurals.select(n));
  return fill(forms[index >= 0 ? index : forms.length - 1], all);
}

/** Text the server sent in English (a layer's description): translated when the catalogue
 * has it, else as sent. */
export function tx(text) {
  const found = typeof text === "string" ? catalogue.messages[text] : undefined;
  return typeof found === "string" ? found : text;
}
