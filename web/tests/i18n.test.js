// i18n.js outside a page (no document): the English source, with placeholders filled.

import assert from "node:assert/strict";
import { test } from "node:test";

import { localMessage } from "../static/js/error_messages.js";
import { fill, formatNumber, lang, t, tn, tp, tx } from "../static/js/i18n.js";

test("without a page the language is English and messages are the source", () => {
  assert.equal(lang, "en");
  assert.equal(t("Epoch {epoch} of {epochs}", { epoch: 2, epochs: 10 }), "Epoch 2 of 10");
  assert.equal(tx("A layer description"), "A layer description");
  assert.equal(tp("run status", "Training"), "Training");
});

test("plural forms follow the count", () => {
  assert.equal(tn("{n} run", "{n} runs", 1), "1 run");
  assert.equal(tn("{n} run", "{n} runs", 0), "0 runs");
  assert.equal(tn("{n} run", "{n} runs", 1234), "1,234 runs");
});

test("fill formats numbers for the language and leaves unknown placeholders visible", () => {
  assert.equal(fill("{a} and {b}", { a: 1234.5, b: "x" }), "1,234.5 and x");
  assert.equal(fill("{missing} stays", {}), "{missing} stays");
  assert.equal(formatNumber(0.125, { maximumFractionDigits: 2 }), "0.13");
});

test("pt-BR formats numbers the Brazilian way (the formatter the pages use)", () => {
  assert.equal(new Intl.NumberFormat("pt-BR").format(1234.5), "1.234,5");
  assert.equal(new Intl.PluralRules("pt-BR").select(0), "one");
  assert.equal(new Intl.PluralRules("pt-BR").select(2), "other");
});

test("in English an error keeps the server's own message", () => {
  const item = { loc: ["x"], msg: "kernel 5 is larger than the 4x4 input", type: "missing" };
  assert.equal(localMessage(item), item.msg);
});
