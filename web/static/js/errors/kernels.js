// Error types raised for the Kernel Lab (kernels, matrices, the numeric walk-throughs): type -> (ctx) => message
// in the page's language (see ../error_messages.js). The ctx names are the params given where
// each is raised: server/kernels/resolve.py, pipeline.py, explain.py, cost.py (the filters),
// matrix.py, matrix_forward.py, matrix_backward.py, matrix_grad_explain.py (numeric mode) and
// the requests' validators, spec.py and matrix_spec.py (PydanticCustomError's ctx).

import { formatNumber, lang, t, tn, tx } from "../i18n.js";

/** "1, 2, 3" (a list ctx, joined by error_messages.js) as "1, 2 ou 3" in the page's language. */
function either(text) {
  const items = String(text ?? "").split(", ").filter(Boolean);
  return new Intl.ListFormat(lang, { type: "disjunction" }).format(items);
}

function windowTooLarge(c) {
  if (c.what === "window") {
    return c.axis === "height"
      ? t("{formula}: the {size}-wide window is larger than the padded height of {padded}; use a smaller size or more padding", c)
      : t("{formula}: the {size}-wide window is larger than the padded width of {padded}; use a smaller size or more padding", c);
  }
  return c.axis === "height"
    ? t("{formula}: the {size}-wide filter is larger than the padded height of {padded}; use a smaller size or more padding", c)
    : t("{formula}: the {size}-wide filter is larger than the padded width of {padded}; use a smaller size or more padding", c);
}

function strideDoesNotFit(c) {
  const kernel = c.dilation > 1
    ? t("{kernel} (dilation {dilation}: spanning {span})", { kernel: c.kernel, dilation: c.dilation, span: c.span })
    : c.kernel;
  const p = { ...c, kernel, strides: either(c.strides) };
  if (c.what === "window") {
    return c.padding
      ? t("{formula} = {exact} is not a whole number: a {kernel} window with stride {stride} does not fit a {size} input with padding {padding}; use stride {strides}, or change the padding", p)
      : t("{formula} = {exact} is not a whole number: a {kernel} window with stride {stride} does not fit a {size} input; use stride {strides}, or change the padding", p);
  }
  return c.padding
    ? t("{formula} = {exact} is not a whole number: a {kernel} filter with stride {stride} does not fit a {size} input with padding {padding}; use stride {strides}, or change the padding", p)
    : t("{formula} = {exact} is not a whole number: a {kernel} filter with stride {stride} does not fit a {size} input; use stride {strides}, or change the padding", p);
}

function gridShape(c) {
  const p = { ...c, field: `backward.${c.field}` };
  return c.maps === 1
    ? t("{field} is {given} but the output is {output} (K x H' x W', after the activation); give one {grid} grid, one number per output value", p)
    : tn("{field} is {given} but the output is {output} (K x H' x W', after the activation); give {n} grid of {grid}, one number per output value",
      "{field} is {given} but the output is {output} (K x H' x W', after the activation); give {n} grids of {grid}, one number per output value", c.maps, p);
}

/** The n-th step the cost refusal quotes: a catalogue kernel's label, or a custom kernel's shape. */
function costStep(c, n) {
  const label = c[`shape${n}`]
    ? t("custom {shape}", { shape: c[`shape${n}`] })
    : tx(c[`label${n}`]);
  const seconds = formatNumber(c[`seconds${n}`], { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  return { [`step${n}`]: String(c[`step${n}`]), [`label${n}`]: label, [`seconds${n}`]: seconds };
}

function filterCostTooHigh(c) {
  const p = {
    width: String(c.width), height: String(c.height), limit: c.limit,
    total: formatNumber(c.total, { minimumFractionDigits: 2, maximumFractionDigits: 2 }),
  };
  if (c.steps >= 3) {
    return t("this pipeline on a {width}x{height} image would take about {total} s of computing (step {step1} ({label1}) about {seconds1} s; step {step2} ({label2}) about {seconds2} s; step {step3} ({label3}) about {seconds3} s); the limit is {limit} s per request (setting CNNPG_MAX_FILTER_COST): filter a smaller image (preview_max_side, or a smaller upload), or use fewer or smaller steps",
      { ...p, ...costStep(c, 1), ...costStep(c, 2), ...costStep(c, 3) });
  }
  if (c.steps === 2) {
    return t("this pipeline on a {width}x{height} image would take about {total} s of computing (step {step1} ({label1}) about {seconds1} s; step {step2} ({label2}) about {seconds2} s); the limit is {limit} s per request (setting CNNPG_MAX_FILTER_COST): filter a smaller image (preview_max_side, or a smaller upload), or use fewer or smaller steps",
      { ...p, ...costStep(c, 1), ...costStep(c, 2) });
  }
  return t("this pipeline on a {width}x{height} image would take about {total} s of computing (step {step1} ({label1}) about {seconds1} s); the limit is {limit} s per request (setting CNNPG_MAX_FILTER_COST): filter a smaller image (preview_max_side, or a smaller upload), or use fewer or smaller steps",
    { ...p, ...costStep(c, 1) });
}

// The request's own checks (server/kernels/spec.py, matrix_spec.py: PydanticCustomError).
const SPEC_ERRORS = {
  scale_not_a_number: (c) => t('scale {value} is not a number or a fraction: use a number between 1e-6 and 1e6 in size (negative too) or a fraction like "1/9"', c),
  scale_divides_by_zero: (c) => t('scale {value} is not a number or a fraction (it divides by zero): use a number between 1e-6 and 1e6 in size (negative too) or a fraction like "1/9"', c),
  scale_out_of_range: (c) => t('scale {value} is out of range: use a number between 1e-6 and 1e6 in size (negative too) or a fraction like "1/9"', c),
  scale_too_long: (c) => t('scale {value} is longer than {max} characters: use a number between 1e-6 and 1e6 in size (negative too) or a fraction like "1/9"', c),
  scale_zero: () => t("scale 0 makes every output 0; use a non-zero factor such as 1/9"),
  kernel_matrix_empty: () => t("matrix is empty; give at least a 1x1 matrix such as [[1]]"),
  kernel_slice_empty: (c) => t("matrix slice {slice} is empty; give at least a 1x1 matrix such as [[1]]", c),
  kernel_matrix_ragged: (c) => t("matrix is ragged: row 0 has {width} values but row {row} has {count}; every row needs the same number of values", c),
  kernel_slice_ragged: (c) => t("matrix slice {slice} is ragged: row 0 has {width} values but row {row} has {count}; every row needs the same number of values", c),
  kernel_matrix_too_large: (c) => t("matrix is {rows}x{cols}; the largest kernel is {max}x{max}", c),
  kernel_slice_too_large: (c) => t("matrix slice {slice} is {rows}x{cols}; the largest kernel is {max}x{max}", c),
  kernel_too_many_slices: (c) => t("matrix has {slices} channel slices; at most {max} are allowed", c),
  kernel_slice_sizes_differ: (c) => t("matrix slices have different sizes {sizes}", c),
  kernel_or_matrix: () => t("give exactly one of 'kernel' (a name from GET /api/kernels) or 'matrix' (custom)"),
  unknown_kernel: (c) => t("unknown kernel {kernel}; valid names: {names}", c),
  image_id_or_sample: () => t("give exactly one of 'image_id' (from POST /api/images) or 'sample'"),
  numeric_grid_empty: (c) => t("{field} channel {channel} is empty; give at least [[1]]", c),
  numeric_grid_ragged: (c) => t("{field} channel {channel} is ragged: row 0 has {width} values, row {row} has {count}", c),
  numeric_too_many_channels: (c) => t("{field} has {channels} channels; at most {max}", c),
  numeric_channel_sizes_differ: (c) => t("{field} channels have different sizes: {sizes}", c),
  numeric_grid_too_large: (c) => t("{field} is {rows}x{cols}; numeric mode takes at most {max}x{max}", c),
  gradient_field_not_applicable: (c) => t("{fields} does not apply to a gradient of '{of}'; remove it", c),
  output_grad_or_target: () => t("give exactly one of output_grad (dL/dY) or target (for the loss 1/2 sum((Y - target)^2))"),
};

export const KERNEL_ERRORS = {
  ...SPEC_ERRORS,
  filter_cost_too_high: filterCostTooHigh,
  // the filters (resolve.py, pipeline.py, explain.py)
  unknown_kernel_param: (c) => (c.allowed
    ? t("{kernel} has no parameter {param}; its parameters: {allowed}", { ...c, kernel: tx(c.label) })
    : t("{kernel} has no parameter {param}; it has no parameters", { ...c, kernel: tx(c.label) })),
  kernel_param_range: (c) => t("{kernel} {param} = {value} is out of range; use {min} to {max}", { ...c, kernel: tx(c.label) }),
  kernel_size_odd: (c) => t("{kernel} size = {size} must be an odd whole number (3, 5, 7, ...)", { ...c, kernel: tx(c.label) }),
  normalize_sum_zero: () => t("normalize to sum 1 needs a kernel whose values do not sum to 0; this one sums to 0 (edge kernels do): turn normalize off"),
  kernel_value_too_large: (c) => t("a kernel value is {value} after scaling; filtering uses 32-bit floats, which hold at most {max}: scale the kernel down", c),
  nonlinear_stride: (c) => t("{kernel} is not a convolution and has no stride; set stride to 1", { kernel: tx(c.kernel) }),
  nonlinear_dilation: (c) => t("{kernel} is not a convolution and has no dilation; set dilation to 1", { kernel: tx(c.kernel) }),
  kernel_takes_no_params: (c) => t("{kernel} takes no params; remove them", { kernel: tx(c.kernel) }),
  padding_amount_too_large: (c) => t("padding_amount {amount} is larger than the {kernel} kernel allows (at most {max}): border outputs would see only padding; use 'same' or at most {max}", c),
  filter_larger_than_input: (c) => t("the {kernel} kernel (after dilation {dilation}) is larger than the padded {input} input; use a smaller kernel or dilation, or padding", c),
  reflect_padding_too_large: (c) => t("reflect padding of {padding} needs an image larger than {size}; use zero or replicate padding", c),
  result_too_large: (c) => t("step {step} would produce {size} = {megapixels} megapixels; the limit is {limit}; use less padding or a larger stride", c),
  result_not_finite: (c) => t("step {step}'s result contains inf or NaN: a kernel value is too large; scale the kernel down", c),
  pixel_outside: (c) => t("pixel ({x}, {y}) is outside the {width}x{height} result; use x < {width} and y < {height}",
    { x: String(c.x), y: String(c.y), width: String(c.width), height: String(c.height) }),
  // numeric mode (matrix*.py)
  kernels_missing: (c) => t("op {op} needs 'kernels' (K x C x kh x kw)", c),
  kernels_ragged: () => t("kernels are ragged: every filter and channel slice needs the same kh x kw size"),
  kernels_shape: (c) => t("kernels have shape {given} but the input has {channels} channel(s); give K x {channels} x kh x kw (one kh x kw slice per input channel for each filter)", c),
  too_many_kernels: (c) => t("at most {max} kernels of up to {side}x{side}", c),
  window_too_large: windowTooLarge,
  matrix_stride_does_not_fit: strideDoesNotFit,
  padding_same_needs_odd: () => t("padding 'same' needs a square odd kernel and stride 1; give a number"),
  matrix_pool_padding_too_large: (c) => t("padding {padding} is more than half the {window} pooling window; use padding 0 to {max}", c),
  bias_count: (c) => tn("bias needs {n} value, one per kernel; got {given}",
    "bias needs {n} values, one per kernel; got {given}", c.kernels, c),
  pool_dilation: (c) => t("dilation {dilation}: pooling windows here are dense; give dilation 1 (or pick a convolution)", c),
  explain_outside: (c) => t("explain {at} is outside the {shape} output; use channel < {maps}, row < {rows}, col < {cols}", c),
  backward_grid_shape: gridShape,
  lr_without_weights: (c) => t("backward.lr {lr}: {op} has no weights to update; remove lr or pick a convolution", c),
  pooling_gradient_of: (c) => t("backward.explain of '{of}': {op} has no kernels or bias; explain of 'input'", c),
  gradient_entry_outside: (c) => t("backward.explain {of} {index} is outside the {shape} gradient; use {bounds}", c),
};
