// The renderers of the Kernel Lab's request checks (server/kernels/spec.py, matrix_spec.py)
// and of the filter cost limit give, in English, the server's own msg (less its "field: "
// prefix) from the ctx the server sends: the same placeholders, every value used.
// (Under node, i18n.js has no document and answers in English, the catalogue's source.)

import assert from "node:assert/strict";
import { test } from "node:test";

import { KERNEL_ERRORS } from "../static/js/errors/kernels.js";

// [type, ctx as the API sends it, the API's msg after the field]
const CASES = [
  ["kernel_or_matrix", {},
    "give exactly one of 'kernel' (a name from GET /api/kernels) or 'matrix' (custom)"],
  ["kernel_matrix_empty", {},
    "matrix is empty; give at least a 1x1 matrix such as [[1]]"],
  ["kernel_matrix_too_large", {"cols": 16, "max": 15, "rows": 16},
    "matrix is 16x16; the largest kernel is 15x15"],
  ["kernel_matrix_ragged", {"count": 1, "row": 1, "width": 2},
    "matrix is ragged: row 0 has 2 values but row 1 has 1; every row needs the same number of values"],
  ["scale_out_of_range", {"value": "10000000.0"},
    "scale 10000000.0 is out of range: use a number between 1e-6 and 1e6 in size (negative too) or a fraction like \"1/9\""],
  ["scale_divides_by_zero", {"value": "'1/0'"},
    "scale '1/0' is not a number or a fraction (it divides by zero): use a number between 1e-6 and 1e6 in size (negative too) or a fraction like \"1/9\""],
  ["scale_too_long", {"max": 64, "value": "'11111111111111111111111111111111111111111111111111111111..."},
    "scale '11111111111111111111111111111111111111111111111111111111... is longer than 64 characters: use a number between 1e-6 and 1e6 in size (negative too) or a fraction like \"1/9\""],
  ["scale_not_a_number", {"value": "'abc'"},
    "scale 'abc' is not a number or a fraction: use a number between 1e-6 and 1e6 in size (negative too) or a fraction like \"1/9\""],
  ["scale_zero", {},
    "scale 0 makes every output 0; use a non-zero factor such as 1/9"],
  ["kernel_slice_empty", {"slice": 1},
    "matrix slice 1 is empty; give at least a 1x1 matrix such as [[1]]"],
  ["kernel_slice_too_large", {"cols": 16, "max": 15, "rows": 16, "slice": 0},
    "matrix slice 0 is 16x16; the largest kernel is 15x15"],
  ["kernel_slice_ragged", {"count": 1, "row": 1, "slice": 1, "width": 2},
    "matrix slice 1 is ragged: row 0 has 2 values but row 1 has 1; every row needs the same number of values"],
  ["kernel_slice_sizes_differ", {"sizes": "[(1, 1), (1, 2), (2, 1)]"},
    "matrix slices have different sizes [(1, 1), (1, 2), (2, 1)]"],
  ["kernel_too_many_slices", {"max": 4, "slices": 5},
    "matrix has 5 channel slices; at most 4 are allowed"],
  ["image_id_or_sample", {},
    "give exactly one of 'image_id' (from POST /api/images) or 'sample'"],
  ["unknown_kernel", {"kernel": "'nope'", "names": "bilateral, box_blur_3, box_blur_5, edge_detect, emboss, gaussian, gaussian_3, gaussian_5, identity, laplacian_4, laplacian_8, max, median, min, motion_blur, outline, prewitt_x, prewitt_y, scharr_x, scharr_y, sharpen, sobel_magnitude, sobel_x, sobel_y, unsharp_5"},
    "unknown kernel 'nope'; valid names: bilateral, box_blur_3, box_blur_5, edge_detect, emboss, gaussian, gaussian_3, gaussian_5, identity, laplacian_4, laplacian_8, max, median, min, motion_blur, outline, prewitt_x, prewitt_y, scharr_x, scharr_y, sharpen, sobel_magnitude, sobel_x, sobel_y, unsharp_5"],
  ["output_grad_or_target", {},
    "give exactly one of output_grad (dL/dY) or target (for the loss 1/2 sum((Y - target)^2))"],
  ["gradient_field_not_applicable", {"fields": "col, row", "of": "bias"},
    "col, row does not apply to a gradient of 'bias'; remove it"],
  ["numeric_too_many_channels", {"channels": 9, "field": "input", "max": 8},
    "input has 9 channels; at most 8"],
  ["numeric_grid_empty", {"channel": 0, "field": "input"},
    "input channel 0 is empty; give at least [[1]]"],
  ["numeric_grid_too_large", {"cols": 65, "field": "input", "max": 64, "rows": 65},
    "input is 65x65; numeric mode takes at most 64x64"],
  ["numeric_grid_ragged", {"channel": 0, "count": 1, "field": "input", "row": 1, "width": 2},
    "input channel 0 is ragged: row 0 has 2 values, row 1 has 1"],
  ["numeric_channel_sizes_differ", {"field": "input", "sizes": "[(1, 1), (1, 2), (2, 1)]"},
    "input channels have different sizes: [(1, 1), (1, 2), (2, 1)]"],
  ["filter_cost_too_high", {"width": 512, "height": 512, "total": 0.05, "limit": 0.001, "steps": 1, "step1": 0, "label1": "Bilateral", "seconds1": 0.05},
    "this pipeline on a 512x512 image would take about 0.05 s of computing (step 0 (Bilateral) about 0.05 s); the limit is 0.001 s per request (setting CNNPG_MAX_FILTER_COST): filter a smaller image (preview_max_side, or a smaller upload), or use fewer or smaller steps"],
  ["filter_cost_too_high", {"width": 512, "height": 512, "total": 0.05, "limit": 0.001, "steps": 2, "step1": 0, "label1": "Bilateral", "seconds1": 0.05, "step2": 1, "shape2": "5x3", "seconds2": 0.0},
    "this pipeline on a 512x512 image would take about 0.05 s of computing (step 0 (Bilateral) about 0.05 s; step 1 (custom 5x3) about 0.00 s); the limit is 0.001 s per request (setting CNNPG_MAX_FILTER_COST): filter a smaller image (preview_max_side, or a smaller upload), or use fewer or smaller steps"],
  ["filter_cost_too_high", {"width": 512, "height": 512, "total": 0.02, "limit": 0.001, "steps": 3, "step1": 3, "label1": "Median", "seconds1": 0.01, "step2": 2, "label2": "Bilateral", "seconds2": 0.01, "step3": 0, "shape3": "9x9", "seconds3": 0.0},
    "this pipeline on a 512x512 image would take about 0.02 s of computing (step 3 (Median) about 0.01 s; step 2 (Bilateral) about 0.01 s; step 0 (custom 9x9) about 0.00 s); the limit is 0.001 s per request (setting CNNPG_MAX_FILTER_COST): filter a smaller image (preview_max_side, or a smaller upload), or use fewer or smaller steps"],
];

test("each validator type renders the server's English message", () => {
  for (const [type, ctx, msg] of CASES) {
    assert.ok(KERNEL_ERRORS[type], type);
    assert.equal(KERNEL_ERRORS[type](ctx), msg, type);
  }
});
