"""Formulas with words carry formula_type and formula_ctx beside the English `formula`
(unchanged); pure maths has type null. The page's sentences (builder/formula.js) filled with
the ctx give back the server's English text."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from server.config import Settings
from server.nn.analysis import analyze
from server.nn.presets import Presets
from server.nn.spec import NetworkSpec

PRESETS = Presets(Settings().presets_dir)
FORMULA_JS = Path(__file__).parents[2] / "web/static/js/pages/builder/formula.js"
MATHS = {"height_type": None, "height_ctx": None, "width_type": None, "width_ctx": None}
LAYERS: list[tuple[dict[str, Any], str | None, str | None, dict[str, Any] | None]] = [
    ({"type": "conv2d", "filters": 4, "kernel_size": 3, "stride": 2, "padding": "same"},
     "same: ceil(32/2) = 16 (pads 0 before, 1 after)", "same_padding",
     {"size": 32, "stride": 2, "output": 16, "before": 0, "after": 1}),
    ({"type": "conv2d", "filters": 4, "kernel_size": [3, 5]},
     "height: (16 - 3 + 2*0)/1 + 1 = 14; width: (16 - 5 + 2*0)/1 + 1 = 12", "height_width",
     {"height": "(16 - 3 + 2*0)/1 + 1 = 14", "width": "(16 - 5 + 2*0)/1 + 1 = 12", **MATHS}),
    ({"type": "conv2d", "filters": 4, "kernel_size": 3, "stride": [2, 1], "padding": "same"},
     "height: same: ceil(14/2) = 7 (pads 0 before, 1 after); width: (12 - 3 + 2*1)/1 + 1 = 12",
     "height_width",
     {"height": "same: ceil(14/2) = 7 (pads 0 before, 1 after)",
      "width": "(12 - 3 + 2*1)/1 + 1 = 12", **MATHS, "height_type": "same_padding",
      "height_ctx": {"size": 14, "stride": 2, "output": 7, "before": 0, "after": 1}}),
    ({"type": "batch_norm"}, "4 channels x (gamma, beta, mean, variance)", "batch_norm_params",
     {"channels": 4}),
    ({"type": "residual_block", "filters": 8, "stride": 2},
     "3x3 stride 2, padding 1: floor((7 - 1)/2) + 1 = 4; plus the shortcut",
     "residual_shortcut", {"stride": 2, "size": 7, "output": 4}),
    ({"type": "inception_block", "b1x1": 2, "b3x3_reduce": 2, "b3x3": 3, "b5x5_reduce": 2,
      "b5x5": 4, "pool_proj": 5}, "concat 2 + 3 + 4 + 5 = 14 channels", "concat_channels",
     {"b1x1": 2, "b3x3": 3, "b5x5": 4, "pool_proj": 5, "channels": 14}),
    ({"type": "max_pool2d", "pool_size": 2},
     "height: floor((4 - 2 + 2*0)/2) + 1 = 2; width: floor((6 - 2 + 2*0)/2) + 1 = 3",
     "height_width", {"height": "floor((4 - 2 + 2*0)/2) + 1 = 2",
                      "width": "floor((6 - 2 + 2*0)/2) + 1 = 3", **MATHS}),
    ({"type": "conv2d", "filters": 6, "kernel_size": [1, 2]},
     "height: (2 - 1 + 2*0)/1 + 1 = 2; width: (3 - 2 + 2*0)/1 + 1 = 2", "height_width",
     {"height": "(2 - 1 + 2*0)/1 + 1 = 2", "width": "(3 - 2 + 2*0)/1 + 1 = 2", **MATHS}),
    ({"type": "conv2d", "filters": 6, "kernel_size": 1}, "(2 - 1 + 2*0)/1 + 1 = 2", None, None),
    ({"type": "global_avg_pool2d"}, "mean over 2x2 per channel -> [6]", "mean_per_channel",
     {"height": 2, "width": 2, "channels": 6}),
    ({"type": "dense", "units": 10}, "6 inputs x 10 units + bias", "dense_units_bias",
     {"inputs": 6, "units": 10}),
    ({"type": "dense", "units": 4, "use_bias": False}, "10 inputs x 4 units", "dense_units",
     {"inputs": 10, "units": 4}),
    ({"type": "dropout", "rate": 0.5}, None, None, None),
]
SPEC = {"input": {"channels": 3, "height": 32, "width": 32},
        "layers": [layer for layer, *_ in LAYERS]}


def _sentences() -> dict[str, str]:
    """type -> the English message formula.js writes it with."""
    found = re.findall(r'(\w+): \(c\) => t\(\s*"([^"]+)"', FORMULA_JS.read_text())
    return dict(found)


def _render(text: str, kind: str | None, ctx: dict[str, Any] | None) -> str:
    """What the page shows in English (formula.js's rules, in Python)."""
    if kind is None or ctx is None:  # pure maths
        return text
    values = dict(ctx)
    if kind == "height_width":
        values = {axis: _render(ctx[axis], ctx[f"{axis}_type"], ctx[f"{axis}_ctx"])
                  for axis in ("height", "width")}
    return re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), _sentences()[kind])


@pytest.mark.parametrize(("index", "case"), list(enumerate(LAYERS)))
def test_each_formula_kind(client: TestClient, index: int, case: tuple[Any, ...]) -> None:
    _, text, kind, ctx = case
    row = client.post("/api/networks/summary", json=SPEC).json()["layers"][index]
    assert (row["formula"], row["formula_type"], row["formula_ctx"]) == (text, kind, ctx)


def test_flatten_and_detection_head_are_pure_maths() -> None:
    spec = NetworkSpec.model_validate({
        "input": {"channels": 2, "height": 6, "width": 6},
        "layers": [{"type": "detection_head", "boxes": 2, "classes": 10, "anchors": [[1, 1],
                                                                                   [2, 2]]}]})
    head = analyze(spec).rows[0]
    assert head["formula"] == "S x S x B·(5 + C) = 6 x 6 x 2·(5 + 10) = 6 x 6 x 30"
    assert (head["formula_type"], head["formula_ctx"]) == (None, None)
    flat = analyze(NetworkSpec.model_validate({"input": {"channels": 2, "height": 3, "width": 4},
                                               "layers": [{"type": "flatten"}]})).rows[0]
    assert (flat["formula"], flat["formula_type"], flat["formula_ctx"]) == ("2 x 3 x 4 = 24",
                                                                            None, None)


def test_every_type_has_a_sentence_that_gives_back_the_english() -> None:
    assert set(_sentences()) == {kind for _, _, kind, _ in LAYERS if kind}
    for _, text, kind, ctx in LAYERS:
        if text is not None:
            assert _render(text, kind, ctx) == text


@pytest.mark.parametrize("preset", PRESETS.ids())
def test_preset_formulas_with_words_are_typed(preset: str) -> None:
    for row in analyze(PRESETS.get(preset).spec).rows:
        text = row["formula"]
        if text is None:
            continue
        words = set(re.findall(r"[a-z]{2,}", text)) - {"floor", "ceil"}
        assert bool(words) == (row["formula_type"] is not None), text
        assert _render(text, row["formula_type"], row["formula_ctx"]) == text
