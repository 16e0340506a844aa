"""The detection_head layer: the lecture's shape rule S x S x B·(5 + C), its parameters,
and the errors that say how to fix a head that cannot work."""

from __future__ import annotations

from typing import Any

import pytest
import torch

from server.nn.analysis import analyze
from server.nn.build import build_model
from server.nn.spec import NetworkSpec


def network(head: dict[str, Any], size: int = 12, after: bool = False,
            height: int | None = None) -> NetworkSpec:
    layers = [{"type": "conv2d", "filters": 8, "kernel_size": 3, "padding": "same"},
              {"type": "max_pool2d", "pool_size": 2}, {"type": "detection_head", **head}]
    if after:
        layers.append({"type": "relu"})
    return NetworkSpec.model_validate({"input": {"channels": 1, "height": height or size,
                                                 "width": size}, "layers": layers})


def test_the_shape_rule_is_written_as_the_lecture_writes_it() -> None:
    analysis = analyze(network({"grid": 6, "boxes": 2, "classes": 10}))
    assert not analysis.errors
    head = analysis.rows[-1]
    assert head["output_shape"] == [6, 6, 30]
    assert head["formula"] == "S x S x B·(5 + C) = 6 x 6 x 2·(5 + 10) = 6 x 6 x 30"
    assert head["params"] == (8 + 1) * 30  # a 1x1 conv: weights and a bias per output
    model = build_model(network({"grid": 6, "boxes": 2, "classes": 10}))
    assert model(torch.zeros(3, 1, 12, 12)).shape == (3, 6, 6, 30)


@pytest.mark.parametrize(("text", "pairs"), [
    ("0.7,1.4, 1.4,1.7", [[0.7, 1.4], [1.4, 1.7]]),
    ("0.7x1.4 1.4x1.7", [[0.7, 1.4], [1.4, 1.7]]),
    ([1, 2], [[1.0, 2.0]]),
    ([[1, 2], [3, 4]], [[1.0, 2.0], [3.0, 4.0]]),
])
def test_anchors_are_read_from_json_pairs_or_typed_text(text: Any,
                                                        pairs: list[list[float]]) -> None:
    spec = network({"boxes": len(pairs), "anchors": text})
    assert spec.layers[-1].anchors == pairs  # type: ignore[union-attr]


@pytest.mark.parametrize(("head", "size", "height", "after", "loc", "words"), [
    ({"grid": 4}, 12, None, False, ["layers", 2, "grid"], "grid is 4 but the feature map is 6x6"),
    ({}, 12, 16, False, ["layers", 2, "type"], "square"),
    ({"boxes": 3}, 12, None, False, ["layers", 2, "anchors"], "2 anchor sizes for boxes 3"),
    ({}, 12, None, True, ["layers", 2, "type"], "must be the last layer"),
])
def test_a_head_that_cannot_work_names_the_field_and_the_fix(
        head: dict[str, Any], size: int, height: int | None, after: bool, loc: list[Any],
        words: str) -> None:
    errors = analyze(network(head, size, after, height)).errors
    assert [e.loc for e in errors] == [loc]
    assert words in errors[0].msg


def test_bad_anchor_values_are_refused_by_the_spec() -> None:
    for anchors in ("1,2,3", "a,b", [[0, 1]], [[1, 2]] * 10):
        with pytest.raises(ValueError, match="anchors"):
            network({"boxes": 1, "anchors": anchors})
