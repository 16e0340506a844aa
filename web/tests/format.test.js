// The Builder's number formats and the maths panels' fmt().

import assert from "node:assert/strict";
import { test } from "node:test";

import { bytes, compact, count, shape, slug } from "../static/js/pages/builder/format.js";
import { fmt } from "../static/js/ui/dom.js";

test("exact counts have separators", () => {
  assert.equal(count(431080), "431,080");
  assert.equal(count(0), "0");
  assert.equal(count(-1234567), "-1,234,567");
});

test("short counts keep three significant digits and switch units at each thousand", () => {
  assert.equal(compact(84), "84");
  assert.equal(compact(999), "999");
  assert.equal(compact(1000), "1 K");
  assert.equal(compact(431080), "431 K");
  assert.equal(compact(2293760), "2.29 M");
  assert.equal(compact(-15e9), "-15 G");
  assert.equal(compact(3.456e12), "3.46 T");
});

test("byte sizes are binary and stop at TiB", () => {
  assert.equal(bytes(0), "0 bytes");
  assert.equal(bytes(1023), "1023 bytes");
  assert.equal(bytes(1024), "1 KiB");
  assert.equal(bytes(55712), "54.4 KiB");
  assert.equal(bytes(5 * 1024 ** 3), "5 GiB");
  assert.equal(bytes(2048 * 1024 ** 4), "2050 TiB"); // still 3 digits, no unit past TiB
});

test("shapes and file names", () => {
  assert.equal(shape([20, 28, 28]), "20 \u00d7 28 \u00d7 28");
  assert.equal(shape([500]), "500");
  assert.equal(shape(null), "not computed");
  assert.equal(slug("Network for MNIST!"), "network-for-mnist");
  assert.equal(slug("  --Über 2 layers--  "), "ber-2-layers");
  assert.equal(slug("!!!"), "network");
  assert.equal(slug(""), "network");
});

test("maths panels write integers plainly and others to 4 significant digits", () => {
  assert.equal(fmt(3), "3");
  assert.equal(fmt(-0.1234567), "-0.1235");
  assert.equal(fmt(1 / 3), "0.3333");
  assert.equal(fmt(123456.7), "123500");
  assert.equal(fmt(null), "pad");
  assert.equal(fmt(undefined), "pad");
});
