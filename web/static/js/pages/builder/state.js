// The network being edited: the input shape and the layers in order. Each layer has a
// stable id (cards keep their DOM and focus across moves) and its field values as the
// JSON the server receives.

export const DEFAULT_INPUT = { channels: 1, height: 28, width: 28 };

let nextId = 1;

export class BuilderState {
  constructor(catalog) {
    this.catalog = catalog;
    this.input = { ...DEFAULT_INPUT };
    this.layers = [];
    this.name = "Network";
  }

  make(type, values = {}) {
    const layer = { id: nextId, type, values: { ...this.catalog.defaults(type), ...values } };
    nextId += 1;
    return layer;
  }

  index(id) {
    return this.layers.findIndex((layer) => layer.id === id);
  }

  /** A new layer of `type` at `at` (default: the end); returns it. */
  add(type, at = this.layers.length) {
    const layer = this.make(type);
    this.layers.splice(Math.max(0, Math.min(at, this.layers.length)), 0, layer);
    return layer;
  }

  duplicate(i) {
    const source = this.layers[i];
    const copy = this.make(source.type, structuredClone(source.values));
    this.layers.splice(i + 1, 0, copy);
    return copy;
  }

  remove(i) {
    return this.layers.splice(i, 1)[0];
  }

  /** Move the layer at `from` so that it ends up at index `to`; false when nothing moves. */
  move(from, to) {
    const target = Math.max(0, Math.min(to, this.layers.length - 1));
    if (from === target || from < 0 || from >= this.layers.length) return false;
    const [layer] = this.layers.splice(from, 1);
    this.layers.splice(target, 0, layer);
    return true;
  }

  set(i, name, value) {
    this.layers[i].values[name] = value;
  }

  setInput(name, value) {
    this.input[name] = value;
  }

  /** The spec the server reads (docs/network-spec.md). */
  spec() {
    return {
      input: { ...this.input },
      layers: this.layers.map((layer) => ({ type: layer.type, ...structuredClone(layer.values) })),
    };
  }

  /** Replace everything with a spec that passed checkStructure (import.js). */
  load(spec, name = "Network") {
    this.input = { ...spec.input };
    this.layers = spec.layers.map(({ type, ...values }) => this.make(type, values));
    this.name = name;
  }
}
