// Error types raised for the Builder, Training and Compare pages (networks, runs): type -> (ctx) => message
// in the page's language (see ../error_messages.js). The ctx names are the params given where
// each is raised: server/nn/shapes.py, records_spatial.py, analysis.py, parse.py (the network
// checks) and server/training/session.py, data.py (the training form), detection_checks.py.

import { t, tn } from "../i18n.js";

function kernelTooLarge(c) {
  if (c.dilation > 1 && c.padding) {
    return t("kernel {kernel} (dilation {dilation}: covers {covers}) is larger than the {input} input padded by {padding}: {formula} < 1; reduce kernel_size or add padding", c);
  }
  if (c.dilation > 1) {
    return t("kernel {kernel} (dilation {dilation}: covers {covers}) is larger than the {input} input: {formula} < 1; reduce kernel_size or add padding", c);
  }
  if (c.padding) {
    return t("kernel {kernel} is larger than the {input} input padded by {padding}: {formula} < 1; reduce kernel_size or add padding", c);
  }
  return t("kernel {kernel} is larger than the {input} input: {formula} < 1; reduce kernel_size or add padding", c);
}

function strideDoesNotFit(c) {
  if (c.dilation > 1) {
    return t("{formula} = {value} is not a whole number: a {kernel} kernel (dilation {dilation}: covers {covers}) with stride {stride} does not fit a {input} input; use stride {fits}, change padding, or use padding 'same'", c);
  }
  return t("{formula} = {value} is not a whole number: a {kernel} kernel with stride {stride} does not fit a {input} input; use stride {fits}, change padding, or use padding 'same'", c);
}

export const BUILDER_ERRORS = {
  // one layer's shape (server/nn/shapes.py, records_spatial.py)
  layer_needs_image: (c) => t("{layer} needs a [C, H, W] image input but gets {shape} (a flat vector): move it before the flatten/dense layers", c),
  layer_needs_vector: (c) => t("{layer} needs a flat vector but gets {shape}: add a flatten layer (or global_avg_pool2d) before it", c),
  kernel_larger_than_input: kernelTooLarge,
  stride_does_not_fit: strideDoesNotFit,
  pool_padding_too_large: (c) => t("padding {padding} is more than half the {window}-wide window; use padding at most {max}", c),
  pool_to_zero: (c) => t("{pool} pools a {input} input to zero size ({formula}); remove this layer or use a smaller pool_size", c),
  bottleneck_filters: (c) => t("a bottleneck block narrows to filters/4; {filters} is not a multiple of 4: use e.g. {suggestion}", c),
  detection_needs_square: (c) => t("detection_head needs a square S x S feature map but gets {height}x{width}: use a square input, or pool the sides to one size", c),
  detection_grid_mismatch: (c) => t("grid is {grid} but the feature map is {height}x{width}: set grid {height}, or pool/stride the layers before it down to {grid}x{grid}", c),
  anchors_count_mismatch: (c) => t("{anchors} anchor sizes for boxes {boxes}: give one width,height per box", c),
  // the whole network (server/nn/analysis.py)
  softmax_not_last: () => t("softmax must be the last layer (it turns the final scores into probabilities); remove it here or move it to the end"),
  detection_head_not_last: () => t("the detection head must be the last layer (its output is the grid of boxes); remove the layers after it"),
  too_many_params: (c) => t("the network has {params} parameters; the limit is {limit} (setting CNNPG_MAX_PARAMS): use fewer filters or units, or pool before the dense layers", c),
  activations_too_large: (c) => t("the activations take {size} per sample; the limit is {limit} (setting CNNPG_MAX_ACTIVATION_BYTES): downsample earlier or use fewer filters", c),
  too_many_macs: (c) => t("the network needs {macs} multiply-accumulates (MACs) per sample; the limit is {limit} (setting CNNPG_MAX_MACS). Layer {index} ({layer}) alone needs {layer_macs}: use a smaller input, fewer filters or smaller kernels, or downsample (stride, pooling) earlier", c),
  // the spec as sent (server/nn/parse.py)
  unknown_layer_type: (c) => t("unknown layer type {got}; valid types: {valid}", c),
  layer_type_missing: (c) => t("'type' is missing; valid types: {valid}", c),
  not_a_layer_field: (c) => t("{field} is not a field of {layer}; its fields: {fields}", c),
  // the training form (server/training/session.py, data.py)
  no_cuda: () => t("device 'cuda' was asked for but this server has no CUDA GPU; use 'auto' or 'cpu'"),
  dataset_one_class: (c) => t("dataset {dataset} has {classes} class; a network learns to tell classes apart: add a second class", c),
  class_too_small: (c) => tn("class {label} of dataset {dataset} has {n} picture; add at least {more} more (each class needs {min})",
    "class {label} of dataset {dataset} has {n} pictures; add at least {more} more (each class needs {min})", c.count, c),
  dataset_not_downloaded: (c) => t("dataset {dataset} is not on this machine; run `cnn-playground datasets download {dataset}`", c),
  outputs_classes_mismatch: (c) => t("the network ends in {outputs} outputs but {dataset} has {classes} classes; make the last dense layer {classes} units", c),
  input_channels_mismatch: (c) => t("the network takes {network} channels but the dataset has {dataset}; set the network's input channels to {dataset}", c),
  input_size_mismatch: (c) => t("the network takes {network} images but the dataset's are {dataset}; set the network's input to {dataset}", c),
  validation_split_too_large: () => t("the validation split leaves no training images; lower it"),
  // a detection run (server/training/detection_checks.py)
  detection_dataset_needed: (c) => t("a network ending in a detection_head finds boxes, and trains on a detection dataset ('{detection_dataset}', or one of yours imported with task=detection), not '{dataset}'; set dataset to '{detection_dataset}'", c),
  detection_input_mismatch: (c) => t("{dataset} pictures are {channels} x {side} x {side} but the network takes {network}; set its input to {channels} channel(s), {side} x {side}", c),
  detection_classes_mismatch: (c) => t("{dataset} has {classes} classes but the detection_head has classes {head_classes}; set it to {classes}", c),
  detection_split_empty: (c) => t("dataset {dataset} has {train} training and {test} held-out pictures; a detector needs both: import at least 5 pictures", c),
  detection_no_augment: () => t("augmentation moves pictures but not their boxes, so a detection run cannot use it; turn augment off (mnist-detect already places and scales every digit at random)"),
};
