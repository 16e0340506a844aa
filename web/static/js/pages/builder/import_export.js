// Network files: Download JSON, Download PyTorch (.py), and the import panel (a .json file
// or pasted text). An import is checked here for its structure (JSON syntax, input,
// known layer types and fields); the values are then checked by the server like any edit.

import { t } from "../../i18n.js";
import { byId, h } from "../../ui/dom.js";
import { FieldErrors } from "../../ui/field_errors.js";
import * as status from "../../ui/status.js";

const INPUT_KEYS = ["channels", "height", "width"];

function isObject(value) {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

export function download(text, filename, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = h("a", { href: url, download: filename, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

function checkInput(input) {
  if (!isObject(input)) return [t('"input" must be an object: {"channels", "height", "width"}.')];
  const problems = INPUT_KEYS.filter((k) => !(k in input)).map(
    (key) => t('"input" needs "{key}".', { key }));
  const extra = Object.keys(input).filter((k) => !INPUT_KEYS.includes(k));
  if (extra.length) problems.push(t('"input" has unknown keys: {keys}.', { keys: extra.join(", ") }));
  return problems;
}

function checkLayer(layer, i, catalog) {
  const index = String(i);
  if (!isObject(layer)) return [t('Layer {index}: must be an object with a "type".', { index })];
  if (!catalog.has(layer.type)) {
    return [t("Layer {index}: unknown type {type}; valid types: {types}.", { index,
      type: JSON.stringify(layer.type ?? null), types: catalog.types().join(", ") })];
  }
  const fields = catalog.fieldNames(layer.type);
  const unknown = Object.keys(layer).filter((k) => k !== "type" && !fields.includes(k));
  if (!unknown.length) return [];
  const params = { index, type: layer.type, unknown: unknown.join(", "),
    fields: fields.join(", ") || t("none") };
  return [unknown.length > 1
    ? t("Layer {index} ({type}): {unknown} are not fields of {type}; its fields: {fields}.", params)
    : t("Layer {index} ({type}): {unknown} is not a field of {type}; its fields: {fields}.",
      params)];
}

/** The problems that stop a JSON value from being loaded as a network (empty: none). */
export function checkStructure(data, catalog) {
  if (!isObject(data)) return [t('The JSON must be an object with "input" and "layers".')];
  const problems = [];
  const extra = Object.keys(data).filter((k) => k !== "input" && k !== "layers");
  if (extra.length) {
    problems.push(t('Unknown keys: {keys} (a network has "input" and "layers").',
      { keys: extra.join(", ") }));
  }
  problems.push(...checkInput(data.input));
  if (!Array.isArray(data.layers)) problems.push(t('"layers" must be a list of layers.'));
  else data.layers.forEach((layer, i) => problems.push(...checkLayer(layer, i, catalog)));
  return problems;
}

export class ImportPanel {
  /** onSpec(spec, name), onPreset(id): what a valid import loads. */
  constructor(catalog, onSpec, onPreset) {
    this.catalog = catalog;
    this.onSpec = onSpec;
    this.onPreset = onPreset;
    this.errors = new FieldErrors(byId("import-panel"));
    const file = byId("import-file");
    file.addEventListener("change", async () => {
      const chosen = file.files[0];
      if (!chosen) return;
      status.begin("import");
      let text;
      try {
        text = await chosen.text();
      } catch (err) {
        this.fail("file", [t("The file cannot be read: {error}", { error: err.message })]);
        return;
      } finally {
        file.value = "";
      }
      status.end("import", true);
      this.importText(text, "file", chosen.name.replace(/\.json$/i, ""));
    });
    byId("import-paste").addEventListener("click", () => {
      this.importText(byId("import-text").value, "paste", "Network");
    });
  }

  importText(text, where, name) {
    let data;
    try {
      data = JSON.parse(text);
    } catch (err) {
      this.fail(where, [t("This is not valid JSON: {error}", { error: err.message })]);
      return;
    }
    if (isObject(data) && Object.keys(data).length === 1 && typeof data.preset === "string") {
      this.clear();
      this.onPreset(data.preset);
      return;
    }
    const problems = checkStructure(data, this.catalog);
    if (problems.length) {
      this.fail(where, problems);
      return;
    }
    this.clear();
    this.onSpec(data, name);
  }

  fail(where, problems) {
    this.errors.show(problems.map((msg) => ({ loc: [where], msg })));
    status.end("import", false);
  }

  clear() {
    this.errors.clear();
    status.clearError("import");
  }
}
