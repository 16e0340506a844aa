// The Builder's formula panel: a known formula_type is written from its ctx as the same
// sentence the server sends in English (under node, i18n.js answers in English); unknown
// types and pure maths (type null) show the server's text.

import assert from "node:assert/strict";
import { test } from "node:test";

import { formulaText, rowFormula } from "../static/js/pages/builder/formula.js";

// Rows as POST /api/networks/summary sends them (tests/nn/test_formula_types.py checks the
// server side of the same cases).
const ROWS = [
  { formula: "same: ceil(32/2) = 16 (pads 0 before, 1 after)", formula_type: "same_padding",
    formula_ctx: { size: 32, stride: 2, output: 16, before: 0, after: 1 } },
  { formula: "mean over 7x7 per channel -> [64]", formula_type: "mean_per_channel",
    formula_ctx: { height: 7, width: 7, channels: 64 } },
  { formula: "3x3 stride 2, padding 1: floor((14 - 1)/2) + 1 = 7; plus the shortcut",
    formula_type: "residual_shortcut", formula_ctx: { stride: 2, size: 14, output: 7 } },
  { formula: "concat 64 + 128 + 32 + 32 = 256 channels", formula_type: "concat_channels",
    formula_ctx: { b1x1: 64, b3x3: 128, b5x5: 32, pool_proj: 32, channels: 256 } },
  { formula: "3136 inputs x 1000 units + bias", formula_type: "dense_units_bias",
    formula_ctx: { inputs: 3136, units: 1000 } },
  { formula: "10 inputs x 10 units", formula_type: "dense_units",
    formula_ctx: { inputs: 10, units: 10 } },
  { formula: "20 channels x (gamma, beta, mean, variance)", formula_type: "batch_norm_params",
    formula_ctx: { channels: 20 } },
  { formula: "height: same: ceil(32/2) = 16 (pads 0 before, 1 after); width: (30 - 3 + 2*1)/2 "
    + "+ 1 = 15", formula_type: "height_width",
  formula_ctx: { height: "same: ceil(32/2) = 16 (pads 0 before, 1 after)",
    width: "(30 - 3 + 2*1)/2 + 1 = 15", height_type: "same_padding",
    height_ctx: { size: 32, stride: 2, output: 16, before: 0, after: 1 },
    width_type: null, width_ctx: null } },
];

test("every formula type gives back the server's English text", () => {
  for (const row of ROWS) assert.equal(rowFormula(row), row.formula);
});

test("pure maths, unknown types and missing formulas", () => {
  assert.equal(rowFormula({ formula: "(28 - 5 + 2*0)/1 + 1 = 24", formula_type: null,
    formula_ctx: null }), "(28 - 5 + 2*0)/1 + 1 = 24");
  assert.equal(formulaText("as sent", "a_new_type", { x: 1 }), "as sent");
  assert.equal(formulaText("as sent", "dense_units", null), "as sent");
  assert.equal(formulaText("as sent", "constructor", {}), "as sent");
  assert.equal(rowFormula({ formula: null, formula_type: null, formula_ctx: null }), null);
  assert.equal(rowFormula(null), null);
});
