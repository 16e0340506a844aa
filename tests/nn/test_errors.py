"""A table of bad specs and the exact messages a student sees."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

IMG = {"channels": 1, "height": 28, "width": 28}


def conv(**kw: Any) -> dict[str, Any]:
    return {"type": "conv2d", "filters": 4, "kernel_size": 3, **kw}


CASES: list[tuple[str, dict[str, Any], list[tuple[list[Any], str]]]] = [
    ("kernel larger than input",
     {"input": {"channels": 1, "height": 4, "width": 4}, "layers": [conv(kernel_size=5)]},
     [(["layers", 0, "kernel_size"],
       "layer 0 (conv2d): kernel 5x5 is larger than the 4x4 input: (4 - 5 + 2*0)/1 + 1 < 1; "
       "reduce kernel_size or add padding")]),
    ("stride does not fit",
     {"input": {"channels": 1, "height": 7, "width": 7}, "layers": [conv(stride=3)]},
     [(["layers", 0, "stride"],
       "layer 0 (conv2d): (7 - 3 + 2*0)/3 + 1 = 2.33 is not a whole number: a 3x3 kernel with "
       "stride 3 does not fit a 7x7 input; use stride 1 or 2 or 4, change padding, or use "
       "padding 'same'")]),
    ("dense after a volume",
     {"input": IMG, "layers": [conv(), {"type": "dense", "units": 10}]},
     [(["layers", 1, "type"],
       "layer 1 (dense): dense needs a flat vector but gets [4, 26, 26]: add a flatten layer "
       "(or global_avg_pool2d) before it")]),
    ("pooling to zero size",
     {"input": {"channels": 1, "height": 3, "width": 3},
      "layers": [conv(), {"type": "max_pool2d", "pool_size": 2}]},
     [(["layers", 1, "pool_size"],
       "layer 1 (max_pool2d): 2x2 max_pool2d pools a 1x1 input to zero size "
       "(floor((1 - 2 + 2*0)/2) + 1 = 0); remove this layer or use a smaller pool_size")]),
    ("softmax not last",
     {"input": IMG, "layers": [{"type": "flatten"}, {"type": "softmax"},
                               {"type": "dense", "units": 3}]},
     [(["layers", 1, "type"],
       "layer 1 (softmax): softmax must be the last layer (it turns the final scores into "
       "probabilities); remove it here or move it to the end")]),
    ("softmax shorthand not last",
     {"input": IMG, "layers": [{"type": "flatten"}, {"type": "dense", "activation": "softmax"},
                               {"type": "dense", "units": 3}]},
     [(["layers", 1, "activation"],
       "layer 1 (dense): softmax must be the last layer (it turns the final scores into "
       "probabilities); remove it here or move it to the end")]),
    ("conv after flatten",
     {"input": IMG, "layers": [{"type": "flatten"}, conv()]},
     [(["layers", 1, "type"],
       "layer 1 (conv2d): conv2d needs a [C, H, W] image input but gets [784] (a flat vector): "
       "move it before the flatten/dense layers")]),
    ("bottleneck filters",
     {"input": IMG, "layers": [{"type": "residual_block", "filters": 10, "bottleneck": True}]},
     [(["layers", 0, "filters"],
       "layer 0 (residual_block): a bottleneck block narrows to filters/4; 10 is not a multiple "
       "of 4: use e.g. 8")]),
    ("pool padding over half the window",
     {"input": IMG, "layers": [{"type": "avg_pool2d", "pool_size": 2, "padding": 2}]},
     [(["layers", 0, "padding"],
       "layer 0 (avg_pool2d): padding 2 is more than half the 2-wide window; use padding at "
       "most 1")]),
    ("two problems at once",
     {"input": {"channels": 1, "height": 7, "width": 7},
      "layers": [conv(stride=3), {"type": "softmax"}, {"type": "dense"}]},
     [(["layers", 0, "stride"], "layer 0 (conv2d): (7 - 3 + 2*0)/3 + 1 = 2.33"),
      (["layers", 1, "type"], "layer 1 (softmax): softmax must be the last layer")]),
    ("unknown type and bad field",
     {"input": IMG, "layers": [{"type": "conv3d"}, {"type": "dense", "unit": 3}]},
     [(["layers", 0, "type"], "layer 0: unknown layer type 'conv3d'; valid types: conv2d, "),
      (["layers", 1, "unit"], "layer 1 (dense): unit is not a field of dense; its fields: "
                              "units, use_bias, activation")]),
    ("out of range value",
     {"input": IMG, "layers": [conv(filters=0)]},
     [(["layers", 0, "filters"],
       "layer 0 (conv2d): filters: Input should be greater than or equal to 1 (got 0)")]),
]


@pytest.mark.parametrize(("name", "spec", "expected"), CASES, ids=[c[0] for c in CASES])
def test_bad_spec_messages(client: TestClient, name: str, spec: dict[str, Any],
                           expected: list[tuple[list[Any], str]]) -> None:
    response = client.post("/api/networks/summary", json=spec)
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert len(detail) == len(expected), detail
    for (loc, msg), got in zip(expected, detail, strict=True):
        assert got["loc"] == loc
        if name in ("two problems at once", "unknown type and bad field"):
            assert got["msg"].startswith(msg), got["msg"]
        else:
            assert got["msg"] == msg


def test_invalid_spec_still_reports_the_rows_it_could_compute(client: TestClient) -> None:
    spec = {"input": IMG, "layers": [conv(), {"type": "max_pool2d"}, {"type": "dense"}]}
    body = client.post("/api/networks/summary", json=spec).json()
    shapes = [row["output_shape"] for row in body["layers"]]
    assert shapes == [[4, 26, 26], [4, 13, 13], None]
    assert body["total_params"] == 40


def test_limits_refuse_before_building(make_client: Any) -> None:
    small = make_client(max_params=10_000, max_activation_bytes=100_000)
    spec = {"input": IMG, "layers": [conv(filters=64), {"type": "flatten"},
                                     {"type": "dense", "units": 100}]}
    detail = small.post("/api/networks/summary", json=spec).json()["detail"]
    messages = [d["msg"] for d in detail]
    assert any("4,327,140 parameters; the limit is 10,000" in m for m in messages), messages
    assert any("the activations take 338.4 KB per sample; the limit is 97.7 KB" in m
               for m in messages), messages
