// The Kernel Lab's choices and limits come from GET /api/kernels/vocabulary (the engine's own
// definitions, server/kernels/vocabulary.py): the template holds the empty, labelled
// controls and this fills them in before the page starts.

import { byId, h } from "../../ui/dom.js";
import { tx } from "../../i18n.js";

/** <option>s for a list of {value, label}. */
export function options(choices) {
  return choices.map(({ value, label }) => h("option", { value }, tx(label)));
}

/** The values of a list of {value, label}. */
export function valuesOf(choices) {
  return choices.map((choice) => choice.value);
}

function setBounds(input, { min, max }) {
  input.min = String(min);
  input.max = String(max);
}

function modeRadios(modes, checked) {
  return modes.map(({ value, label }) => h("label", {},
    h("input", { type: "radio", name: "mode", value, checked: value === checked }), ` ${tx(label)}`));
}

/** Fill the option lists and set the limits of the filter controls. */
export function buildControls(vocabulary) {
  const { limits, defaults } = vocabulary;
  byId("mode-options").replaceChildren(...modeRadios(vocabulary.modes, defaults.mode));
  byId("padding-select").replaceChildren(...options(vocabulary.padding_modes));
  byId("padding-amount-kind").replaceChildren(...options(vocabulary.padding_amounts));
  byId("channels-select").replaceChildren(...options(vocabulary.channel_modes));
  byId("output-select").replaceChildren(...options(vocabulary.output_mappings));
  for (const id of ["grid-rows", "grid-cols"]) setBounds(byId(id), { min: 1, max: limits.max_kernel });
  setBounds(byId("stride-input"), limits.stride);
  setBounds(byId("dilation-input"), limits.dilation);
  setBounds(byId("padding-amount"), vocabulary.padding_amounts.find((a) => a.value === "number"));
}
