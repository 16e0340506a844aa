"""Numeric mode (POST /api/matrix): textbook examples, torch references, explain, errors."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.functional as F  # noqa: N812  - the conventional name
from fastapi.testclient import TestClient
from scipy import signal

CLASSIC_INPUT = [[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1], [0, 0, 1, 1, 0],
                 [0, 1, 1, 0, 0]]
CLASSIC_KERNEL = [[1, 0, 1], [0, 1, 0], [1, 0, 1]]


def post(client: TestClient, body: dict[str, Any], status: int = 200) -> dict[str, Any]:
    response = client.post("/api/matrix", json=body)
    assert response.status_code == status, response.text
    return response.json()  # type: ignore[no-any-return]


def ints_only(value: Any) -> bool:
    return all(ints_only(v) for v in value) if isinstance(value, list) else type(value) is int


def test_classic_worked_example(client: TestClient) -> None:
    out = post(client, {"op": "cross_correlation", "input": CLASSIC_INPUT,
                        "kernels": CLASSIC_KERNEL})
    assert out["output"] == [[[4, 3, 4], [2, 4, 3], [2, 3, 4]]]
    assert ints_only(out["output"])
    assert out["output_shape"] == [1, 3, 3]
    assert out["formula"] == "(5 - 3 + 2*0)/1 + 1 = 3"


def test_integers_stay_exact_beyond_float_precision(client: TestClient) -> None:
    big = 10**9
    out = post(client, {"op": "cross_correlation", "input": [[big, 1]],
                        "kernels": [[big - 1, 1]], "bias": [7]})
    assert out["output"] == [[[big * (big - 1) + 1 + 7]]]  # 999999999000000008: not a float


def test_huge_integer_sums_fall_back_to_floats_instead_of_wrapping(client: TestClient) -> None:
    big = 10**9
    grid = [[big] * 15] * 15
    out = post(client, {"op": "cross_correlation", "input": [grid] * 8,
                        "kernels": [[grid] * 8]})
    assert out["output"][0][0][0] == pytest.approx(1800 * 1e18, rel=1e-12)


def test_cs231n_multichannel_demo_matches_torch(client: TestClient) -> None:
    rng = np.random.default_rng(231)
    x = rng.integers(0, 3, (3, 5, 5))
    w = rng.integers(-1, 2, (2, 3, 3, 3))
    bias = [1, 0]
    out = post(client, {"op": "cross_correlation", "input": x.tolist(), "kernels": w.tolist(),
                        "bias": bias, "stride": 2, "padding": 1})
    expected = F.conv2d(torch.from_numpy(x)[None].double(), torch.from_numpy(w).double(),
                        torch.tensor(bias).double(), stride=2, padding=1)[0]
    assert out["output"] == expected.long().tolist()
    assert ints_only(out["output"])
    assert out["output_shape"] == [2, 3, 3]
    assert out["formula"] == "(5 - 3 + 2*1)/2 + 1 = 3"


def test_convolution_flips_the_kernel(client: TestClient) -> None:
    rng = np.random.default_rng(2)
    x, k = rng.integers(-5, 6, (6, 7)), rng.integers(-3, 4, (3, 2))
    conv = post(client, {"op": "convolution", "input": x.tolist(), "kernels": k.tolist()})
    corr = post(client, {"op": "cross_correlation", "input": x.tolist(), "kernels": k.tolist()})
    assert conv["output"][0] == signal.convolve2d(x, k, mode="valid").tolist()
    assert corr["output"][0] == signal.correlate2d(x, k, mode="valid").tolist()
    assert conv["output"] != corr["output"]


@pytest.mark.parametrize(("n", "size", "stride", "padding"), [
    (6, 2, None, 0), (6, 3, 1, 1), (7, 3, 2, 1), (6, 2, 1, 0), (6, 3, 3, 0), (5, 5, 1, 2)])
@pytest.mark.parametrize("op", ["max_pool", "avg_pool"])
def test_pooling_matches_torch(client: TestClient, op: str, n: int, size: int,
                               stride: int | None, padding: int) -> None:
    rng = np.random.default_rng(size * 10 + padding)
    x = rng.normal(size=(2, n, n)).round(2)
    body: dict[str, Any] = {"op": op, "input": x.tolist(), "size": size, "padding": padding}
    if stride is not None:
        body["stride"] = stride
    pool = F.max_pool2d if op == "max_pool" else F.avg_pool2d  # avg counts padding, as torch
    expected = pool(torch.from_numpy(x)[None], size, stride=stride or size, padding=padding)[0]
    out = post(client, body)
    np.testing.assert_allclose(np.array(out["output"]), expected.numpy(), rtol=1e-12, atol=1e-12)
    assert out["stride"] == (stride or size)


def test_integer_max_pool_stays_integer_and_avg_pool_is_fractional(client: TestClient) -> None:
    grid = [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12], [13, 14, 15, 16]]
    maxed = post(client, {"op": "max_pool", "input": grid})
    averaged = post(client, {"op": "avg_pool", "input": grid})
    assert maxed["output"] == [[[6, 8], [14, 16]]]
    assert ints_only(maxed["output"])
    assert averaged["output"] == [[[3.5, 5.5], [11.5, 13.5]]]


def test_relu_clamps_negatives_and_explain_shows_it(client: TestClient) -> None:
    body = {"op": "cross_correlation", "input": [[1, -2], [3, -4]], "kernels": [[[[1]]], [[[-1]]]],
            "activation": "relu", "explain": {"channel": 0, "row": 1, "col": 1}}
    out = post(client, body)
    assert out["output"] == [[[1, 0], [3, 0]], [[0, 2], [0, 4]]]
    assert out["explain"]["pre_activation"] == -4
    assert out["explain"]["value"] == 0
    assert out["explain"]["text"] == "-4*1 = -4; relu -> 0"


@pytest.mark.parametrize(("channel", "row", "col"), [(0, 0, 0), (1, 2, 1), (1, 0, 2)])
def test_explain_terms_add_up(client: TestClient, channel: int, row: int, col: int) -> None:
    rng = np.random.default_rng(9)
    x, w = rng.integers(-4, 5, (3, 5, 5)), rng.integers(-2, 3, (2, 3, 3, 3))
    body = {"op": "convolution", "input": x.tolist(), "kernels": w.tolist(), "bias": [2, -3],
            "stride": 2, "padding": 1, "explain": {"channel": channel, "row": row, "col": col}}
    out = post(client, body)
    ex = out["explain"]
    assert len(ex["terms"]) == 27
    assert sum(t["product"] for t in ex["terms"]) == ex["sum"] == sum(ex["channel_sums"])
    assert all(t["product"] == t["input"] * t["weight"] for t in ex["terms"])
    assert ex["sum"] + ex["bias"] == ex["pre_activation"] == ex["value"]
    assert ex["value"] == out["output"][channel][row][col]
    for t in ex["terms"]:  # padding cells read 0; the rest read the input they name
        inside = 0 <= t["row"] < 5 and 0 <= t["col"] < 5
        assert t["padding"] is not inside
        assert t["input"] == (x[t["channel"], t["row"], t["col"]] if inside else 0)
    flipped = w[channel, :, ::-1, ::-1].ravel().tolist()  # convolution: the flipped weights
    assert [t["weight"] for t in ex["terms"]] == flipped


def test_max_pool_explain_marks_padding(client: TestClient) -> None:
    out = post(client, {"op": "max_pool", "input": [[1, 5], [3, 4]], "size": 2, "stride": 1,
                        "padding": 1, "explain": {"row": 0, "col": 0}})
    ex = out["explain"]
    assert [t["input"] for t in ex["terms"]] == [None, None, None, 1]
    assert ex["value"] == 1
    assert ex["text"] == "max(pad, pad, pad, 1) = 1"


@pytest.mark.parametrize(("body", "field", "words"), [
    ({"input": [[1] * 7] * 7, "kernels": CLASSIC_KERNEL, "stride": 3}, "stride",
     ["(7 - 3 + 2*0)/3 + 1 = 2.33", "stride 1, 2 or 4"]),
    ({"input": [[1] * 3] * 3, "kernels": [[1] * 5] * 5}, "kernels",
     ["(3 - 5 + 2*0)/1 + 1", "5-wide filter", "padded height of 3"]),
    ({"input": [[1] * 4] * 4, "kernels": [[1, 1]] * 2, "padding": "same"}, "padding",
     ["odd kernel and stride 1"]),
    ({"input": [[1] * 4] * 4, "kernels": CLASSIC_KERNEL, "bias": [1, 2]}, "bias",
     ["1 value(s)", "got 2"]),
    ({"input": [[1] * 4] * 4}, "kernels", ["needs 'kernels'"]),
    ({"input": [[[1] * 4] * 4] * 2, "kernels": [CLASSIC_KERNEL]}, "kernels",
     ["2 channel(s)", "K x 2 x kh x kw"]),
    ({"input": [[1] * 4] * 4, "kernels": [[1, 2], [3]]}, "kernels", ["ragged"]),
    ({"input": [[1] * 4] * 4, "kernels": [[[1]]] * 9}, "kernels", ["at most 8 kernels"]),
    ({"input": [[1] * 4] * 4, "kernels": [[1]], "explain": {"row": 4, "col": 0}}, "explain",
     ["outside the 1x4x4 output", "row < 4"]),
])
def test_refusals_name_the_field_and_the_fix(client: TestClient, body: dict[str, Any],
                                             field: str, words: list[str]) -> None:
    detail = post(client, {"op": "cross_correlation", **body}, status=422)["detail"]
    assert detail[0]["loc"] == [field]
    for word in words:
        assert word in detail[0]["msg"]


@pytest.mark.parametrize(("body", "words"), [
    ({"input": [[1] * 65]}, ["1x65", "at most 64x64"]),
    ({"input": [[[1]]] * 9}, ["9 channels", "at most 8"]),
    ({"input": [[1, 2], [3]]}, ["ragged", "row 1 has 1"]),
    ({"input": [[]]}, ["empty", "[[1]]"]),
    ({"input": [[[1, 2]], [[1]]]}, ["different sizes"]),
])
def test_bad_inputs_are_refused(client: TestClient, body: dict[str, Any],
                                words: list[str]) -> None:
    detail = post(client, {"op": "max_pool", **body}, status=422)["detail"]
    assert detail[0]["loc"][0] == "input"
    for word in words:
        assert any(word in d["msg"] for d in detail), (word, detail)


def test_pool_padding_over_half_the_window_is_refused(client: TestClient) -> None:
    detail = post(client, {"op": "max_pool", "input": [[1, 2], [3, 4]], "size": 2,
                           "padding": 2}, status=422)["detail"]
    assert detail[0]["loc"] == ["padding"]
    assert "padding 2" in detail[0]["msg"]
    assert "use padding 0 to 1" in detail[0]["msg"]


@pytest.mark.parametrize("raw", [b"NaN", b"Infinity", b"-Infinity"])
def test_non_finite_numbers_are_refused(client: TestClient, raw: bytes) -> None:
    body = b'{"op": "cross_correlation", "input": [[1, ' + raw + b']], "kernels": [[1]]}'
    response = client.post("/api/matrix", content=body,
                           headers={"content-type": "application/json"})
    assert response.status_code == 422
    msgs = [d["msg"] for d in response.json()["detail"]]
    assert any("input" in m and "finite number" in m for m in msgs), msgs
