// Every renderer of BUILDER_ERRORS keeps the values the server sends in ctx (under node,
// i18n.js has no document and answers in English, the catalogue's source).

import assert from "node:assert/strict";
import { test } from "node:test";

import { BUILDER_ERRORS } from "../static/js/errors/builder.js";

const SAMPLES = {
  layer_needs_image: [{ layer: "conv2d", shape: "[500]" }],
  layer_needs_vector: [{ layer: "dense", shape: "[20, 24, 24]" }],
  kernel_larger_than_input: [
    { kernel: "5x5", dilation: 1, covers: "5x5", input: "4x4", padding: 0, formula: "(4 - 5 + 2*0)/1 + 1" },
    { kernel: "5x5", dilation: 1, covers: "5x5", input: "4x4", padding: 3, formula: "(4 - 11 + 2*3)/1 + 1" },
    { kernel: "3x3", dilation: 4, covers: "9x9", input: "4x4", padding: 0, formula: "(4 - 9 + 2*0)/1 + 1" },
    { kernel: "3x3", dilation: 4, covers: "9x9", input: "4x4", padding: 2, formula: "(4 - 9 + 2*2)/1 + 1" },
  ],
  stride_does_not_fit: [
    { formula: "(28 - 3 + 2*0)/2 + 1", value: 13.5, kernel: "3x3", dilation: 1, covers: "3x3", stride: 2, input: "28x28", fits: "1, 5" },
    { formula: "(28 - 5 + 2*0)/2 + 1", value: 12.5, kernel: "3x3", dilation: 2, covers: "5x5", stride: 2, input: "28x28", fits: "1" },
  ],
  pool_padding_too_large: [{ padding: 2, window: 2, max: 1 }],
  pool_to_zero: [{ pool: "2x2 max_pool2d", input: "1x1", formula: "floor((1 - 2 + 2*0)/2) + 1 = 0" }],
  bottleneck_filters: [{ filters: 10, suggestion: 8 }],
  detection_needs_square: [{ height: 6, width: 7 }],
  detection_grid_mismatch: [{ grid: 7, height: 6, width: 6 }],
  anchors_count_mismatch: [{ anchors: 3, boxes: 2 }],
  softmax_not_last: [{ index: 1, layer: "softmax" }],
  detection_head_not_last: [{ index: 2 }],
  too_many_params: [{ params: 61000000, limit: 50000000 }],
  activations_too_large: [{ size: "600.0 MB", limit: "512.0 MB" }],
  too_many_macs: [{ macs: 20000000000, limit: 10000000000, index: 3, layer: "conv2d", layer_macs: 19000000000 }],
  unknown_layer_type: [{ index: 0, got: "'conv3d'", valid: "conv2d, dense" }],
  layer_type_missing: [{ index: 0, valid: "conv2d, dense" }],
  not_a_layer_field: [{ field: "unit", layer: "dense", fields: "units, use_bias, activation" }],
  no_cuda: [{}],
  dataset_one_class: [{ dataset: "cats", classes: 1 }],
  class_too_small: [{ label: "dog", dataset: "pets", count: 3, more: 2, min: 5 },
    { label: "dog", dataset: "pets", count: 1, more: 4, min: 5 }],
  dataset_not_downloaded: [{ dataset: "cifar10" }],
  outputs_classes_mismatch: [{ outputs: "[9]", dataset: "mnist", classes: 10 }],
  input_channels_mismatch: [{ network: 3, dataset: 1 }],
  input_size_mismatch: [{ network: "96x96", dataset: "28x28" }],
  validation_split_too_large: [{}],
  detection_dataset_needed: [{ dataset: "mnist", detection_dataset: "mnist-detect" }],
  detection_input_mismatch: [{ dataset: "mnist-detect", channels: 1, side: 96, network: "1 x 64 x 64" },
    { dataset: "'Shapes'", channels: 3, side: 64, network: "1 x 96 x 96" }],
  detection_classes_mismatch: [{ dataset: "mnist-detect", classes: 10, head_classes: 3 }],
  detection_split_empty: [{ dataset: "'Shapes'", train: 4, test: 0 }],
  detection_no_augment: [{}],
};

// Values sent for the page's use that the message does not quote (the card shows the layer).
const UNSAID = { softmax_not_last: ["index", "layer"], detection_head_not_last: ["index"],
  unknown_layer_type: ["index"], layer_type_missing: ["index"] };

/** The values a message shows: numbers as English writes them, the rest as sent. */
function shown(value) {
  return typeof value === "number" ? value.toLocaleString("en") : String(value);
}

test("every type has samples, and every sample's values appear in its message", () => {
  assert.deepEqual(Object.keys(SAMPLES).sort(), Object.keys(BUILDER_ERRORS).sort());
  for (const [type, samples] of Object.entries(SAMPLES)) {
    for (const ctx of samples) {
      const message = BUILDER_ERRORS[type](ctx);
      assert.equal(typeof message, "string", type);
      assert.doesNotMatch(message, /\{\w+\}/, `${type}: a placeholder is left: ${message}`);
      for (const [name, value] of Object.entries(ctx)) {
        if ((UNSAID[type] || []).includes(name)) continue;
        if (name === "dilation" && value === 1) continue; // said only for a dilated kernel
        if (name === "covers" && ctx.dilation === 1) continue;
        if (name === "padding" && value === 0) continue; // "padded by" only when padded
        assert.ok(message.includes(shown(value)), `${type}: ${name}=${value} not in ${message}`);
      }
    }
  }
});

test("the English renderings are the server's messages", () => {
  assert.equal(BUILDER_ERRORS.kernel_larger_than_input(SAMPLES.kernel_larger_than_input[0]),
    "kernel 5x5 is larger than the 4x4 input: (4 - 5 + 2*0)/1 + 1 < 1; reduce kernel_size or "
    + "add padding");
  assert.equal(BUILDER_ERRORS.class_too_small(SAMPLES.class_too_small[1]),
    "class dog of dataset pets has 1 picture; add at least 4 more (each class needs 5)");
});
