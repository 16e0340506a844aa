// Worked examples for the numeric walk-through (its operations come from the vocabulary).

import { t } from "../../i18n.js";

export const EXAMPLES = {
  classic: {
    label: t("Classic: 5x5 input, 3x3 kernel, stride 1"),
    op: "cross_correlation", stride: 1, padding: 0, size: 2,
    input: [[[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1], [0, 0, 1, 1, 0],
      [0, 1, 1, 0, 0]]],
    kernels: [[[[1, 0, 1], [0, 1, 0], [1, 0, 1]]]],
    bias: [0],
  },
  cs231n: {
    label: t("CS231n: 3 channels 5x5, two 3x3x3 filters, bias, padding 1, stride 2"),
    op: "cross_correlation", stride: 2, padding: 1, size: 2,
    input: [
      [[2, 1, 0, 2, 1], [0, 1, 1, 0, 2], [1, 2, 2, 0, 0], [0, 0, 1, 2, 1], [2, 1, 0, 1, 0]],
      [[1, 0, 2, 2, 0], [2, 1, 0, 1, 1], [0, 0, 1, 2, 2], [1, 2, 0, 0, 1], [0, 1, 2, 1, 0]],
      [[0, 2, 1, 1, 2], [1, 0, 0, 2, 1], [2, 1, 1, 0, 0], [0, 1, 2, 1, 2], [1, 0, 0, 2, 1]],
    ],
    kernels: [
      [[[1, 0, -1], [0, 1, 0], [-1, 1, 1]], [[-1, 0, 1], [1, -1, 0], [0, 0, 1]],
        [[0, 1, 1], [-1, 0, -1], [1, -1, 0]]],
      [[[0, -1, 1], [1, 1, 0], [0, 0, -1]], [[1, 1, -1], [0, -1, 0], [-1, 0, 1]],
        [[-1, 0, 0], [1, 0, 1], [0, 1, -1]]],
    ],
    bias: [1, 0],
  },
  pool: {
    label: t("Max pooling: 2x2 window, stride 2, on a 4x4 input"),
    op: "max_pool", stride: 2, padding: 0, size: 2,
    input: [[[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]]],
    kernels: [[[[0]]]],
    bias: [0],
  },
};
