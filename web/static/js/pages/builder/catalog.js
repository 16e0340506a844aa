// The layer catalogue (GET /api/layers) read into field descriptors: each layer's form is
// built from its JSON schema, so a new layer type on the server needs no change here.
//
// A descriptor: {name, title, description, kind, nullable, default, members, min, max,
// exclusiveMin, exclusiveMax, integer, options}. kind is "boolean" (checkbox), "number"
// (one integer or float), "choice" (only fixed words: a select) or "text" (a union such as
// 3 or [3, 5], or a number or "same"/"valid": typed as text and parsed by fields.js).
// Labels, docs and field descriptions arrive in English and show in the page's language
// (tx); field titles and category names are translated here.

import { t, tx } from "../../i18n.js";

/** The fields' titles in the page's language (others: from the name, as pydantic's). */
const TITLES = {
  filters: t("Filters"), kernel_size: t("Kernel size"), stride: t("Stride"),
  padding: t("Padding"), dilation: t("Dilation"), use_bias: t("Use bias"),
  activation: t("Activation"), pool_size: t("Pool size"), rate: t("Rate"), units: t("Units"),
  alpha: t("Alpha"), bottleneck: t("Bottleneck"), grid: t("Grid"), boxes: t("Boxes"),
  classes: t("Classes"), anchors: t("Anchors"), pool_proj: t("Pool proj"),
};

const CATEGORIES = {
  convolution: t("convolution"), pooling: t("pooling"), activation: t("activation"),
  normalization: t("normalization"), regularization: t("regularization"),
  reshape: t("reshape"), dense: t("dense"), block: t("block"), detection: t("detection"),
};

function bounds(member) {
  return {
    min: member.minimum ?? null,
    max: member.maximum ?? null,
    exclusiveMin: member.exclusiveMinimum ?? null,
    exclusiveMax: member.exclusiveMaximum ?? null,
  };
}

/** The JSON types a property accepts: [{type: "integer", ...}, {enum: [...]}, ...]. */
function membersOf(prop) {
  const list = prop.anyOf || prop.oneOf || [prop];
  return list.map((m) => (m.const !== undefined ? { ...m, enum: [m.const] } : m));
}

function kindOf(real) {
  if (real.length === 1 && real[0].type === "boolean") return "boolean";
  if (real.every((m) => Array.isArray(m.enum))) return "choice";
  if (real.length === 1 && (real[0].type === "integer" || real[0].type === "number")) {
    return "number";
  }
  return "text";
}

/** pydantic's automatic title ("Kernel Size", "B3X3 Reduce") in sentence case, from the name. */
function titleOf(name, prop) {
  const auto = name.split("_").map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join(" ");
  if (prop.title && prop.title.toLowerCase() !== auto.toLowerCase()) return prop.title;
  if (TITLES[name]) return TITLES[name];
  const words = name.replace(/_/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export function describeField(name, prop) {
  const members = membersOf(prop);
  const real = members.filter((m) => m.type !== "null");
  const numeric = real.find((m) => m.type === "integer" || m.type === "number");
  const pair = real.find((m) => m.type === "array");
  return {
    name,
    title: titleOf(name, prop),
    description: prop.description ? tx(prop.description) : "",
    kind: kindOf(real),
    nullable: members.some((m) => m.type === "null"),
    default: prop.default,
    options: real.flatMap((m) => m.enum || []),
    integer: Boolean(numeric && numeric.type === "integer"),
    numeric: Boolean(numeric),
    pair: pair ? { length: pair.minItems || 2, ...bounds(pair.items || {}) } : null,
    ...bounds(numeric || {}),
  };
}

export class Catalog {
  constructor(data) {
    this.categories = data.categories;
    this.entries = new Map(data.layers.map((entry) => [entry.type,
      { ...entry, label: tx(entry.label), docs: tx(entry.docs) }]));
    this.cache = new Map();
  }

  has(type) {
    return this.entries.has(type);
  }

  types() {
    return [...this.entries.keys()];
  }

  entry(type) {
    return this.entries.get(type);
  }

  label(type) {
    return this.has(type) ? this.entry(type).label : type;
  }

  /** A category's name in the page's language ("convolution"); the id stays in data-*. */
  categoryName(category) {
    return CATEGORIES[category] || category;
  }

  category(type) {
    return this.has(type) ? this.entry(type).category : "unknown";
  }

  /** The field descriptors of a layer type, in schema order. */
  fields(type) {
    if (!this.cache.has(type)) {
      const props = this.entry(type).schema.properties || {};
      this.cache.set(type, Object.entries(props).map(([name, prop]) => describeField(name, prop)));
    }
    return this.cache.get(type);
  }

  fieldNames(type) {
    return this.fields(type).map((f) => f.name);
  }

  /** {field: default} for a new layer of this type. */
  defaults(type) {
    const values = {};
    for (const field of this.fields(type)) {
      if (field.default !== undefined) values[field.name] = field.default;
    }
    return values;
  }

  /** The layer types of one category, in catalogue order. */
  inCategory(category) {
    return [...this.entries.values()].filter((e) => e.category === category);
  }
}
