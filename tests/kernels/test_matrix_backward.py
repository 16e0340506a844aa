"""Numeric mode's backward pass (POST /api/matrix with `backward`) against torch.autograd:
every op, padding, stride and dilation on generated small shapes, exact integers, the
identities (checked with scipy, not with the server's own code), pooling's routing and
spreading, and one SGD step."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import signal

from .matrix_reference import reference
from .test_matrix_api import ints_only, post

SETTINGS = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])
CONV_OPS = ["convolution", "cross_correlation"]


@st.composite
def conv_bodies(draw: st.DrawFn, integers: bool = True) -> dict[str, Any]:
    """A convolution that fits: H = s*(H' - 1) + d*(kh - 1) + 1 - 2p, drawn from the output."""
    c, k, kh, kw = (draw(st.integers(1, n)) for n in (3, 3, 4, 4))
    s, d, p = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(0, 2))
    oh, ow = draw(st.integers(1, 4)), draw(st.integers(1, 4))

    def side(out: int, k: int, pad: int) -> int:
        return s * (out - 1) + d * (k - 1) + 1 - 2 * pad

    if min(side(oh, kh, p), side(ow, kw, p)) < 1:  # too much padding for so small an input
        p = 0
    height, width = side(oh, kh, p), side(ow, kw, p)
    values = st.integers(-6, 6) if integers else st.floats(-3, 3, allow_subnormal=False)
    grid = lambda *shape: draw(hnp.arrays(np.int64 if integers else np.float64, shape,  # noqa: E731
                                          elements=values)).tolist()
    back: dict[str, Any] = ({"output_grad": grid(k, oh, ow)} if draw(st.booleans())
                            else {"target": grid(k, oh, ow)})
    return {"op": draw(st.sampled_from(CONV_OPS)), "input": grid(c, height, width),
            "kernels": grid(k, c, kh, kw), "bias": grid(k), "stride": s, "padding": p,
            "dilation": d, "activation": draw(st.sampled_from([None, "relu"])), "backward": back}


@st.composite
def pool_bodies(draw: st.DrawFn) -> dict[str, Any]:
    size, s = draw(st.integers(1, 4)), draw(st.integers(1, 3))
    p = draw(st.integers(0, size // 2))
    oh, ow, c = draw(st.integers(1, 4)), draw(st.integers(1, 4)), draw(st.integers(1, 3))
    height, width = s * (oh - 1) + size - 2 * p, s * (ow - 1) + size - 2 * p
    if min(height, width) < 1:  # too much padding for so small an output: none
        p, height, width = 0, s * (oh - 1) + size, s * (ow - 1) + size
    grid = lambda *shape: draw(hnp.arrays(np.int64, shape,  # noqa: E731
                                          elements=st.integers(-3, 3))).tolist()
    return {"op": draw(st.sampled_from(["max_pool", "avg_pool"])), "input": grid(c, height, width),
            "size": size, "stride": s, "padding": p,
            "activation": draw(st.sampled_from([None, "relu"])),
            "backward": {"output_grad": grid(c, oh, ow)}}


def check(out: dict[str, Any], body: dict[str, Any], exact: bool) -> None:
    ref = reference(body)
    for name in ("output", "grad_input", "grad_kernels", "grad_bias"):
        if name not in ref:
            assert name not in out
            continue
        if exact:
            assert ints_only(out[name]), name
            assert np.array_equal(np.array(out[name]), ref[name]), name
        else:
            np.testing.assert_allclose(np.array(out[name], dtype=float), ref[name],
                                       rtol=1e-10, atol=1e-10, err_msg=name)
    assert out["loss"]["value"] == pytest.approx(ref["loss"], rel=1e-10, abs=1e-10)


@SETTINGS
@given(body=conv_bodies())
def test_convolution_gradients_are_exact_integers_matching_autograd(
        client: TestClient, body: dict[str, Any]) -> None:
    check(post(client, body), body, exact=True)


@SETTINGS
@given(body=conv_bodies(integers=False))
def test_convolution_gradients_of_decimals_match_autograd(client: TestClient,
                                                          body: dict[str, Any]) -> None:
    check(post(client, body), body, exact=False)


@SETTINGS
@given(body=pool_bodies())
def test_pooling_gradients_match_autograd(client: TestClient, body: dict[str, Any]) -> None:
    out = post(client, body)
    check(out, body, exact=body["op"] == "max_pool")  # small integers: many tied maxima


def test_integers_beyond_float_precision_stay_exact(client: TestClient) -> None:
    big = 10**9
    out = post(client, {"op": "cross_correlation", "input": [[big, 1]], "kernels": [[big - 1, 1]],
                        "backward": {"output_grad": [[big - 7]]}})
    assert out["grad_kernels"] == [[[[big * (big - 7), big - 7]]]]  # above 2**53: not floats
    assert out["grad_input"] == [[[(big - 1) * (big - 7), big - 7]]]
    assert out["grad_bias"] == [big - 7]


def test_sums_that_would_overflow_int64_fall_back_to_floats(client: TestClient) -> None:
    big = 10**9
    out = post(client, {"op": "cross_correlation", "input": [[big] * 64] * 2,
                        "kernels": [[big, big], [big, big]],
                        "backward": {"target": [[0] * 63], "lr": 1}})
    assert out["output"][0][0] == [4 * big**2] * 63  # exact: each output is under 2**62
    assert out["grad_bias"] == [pytest.approx(63 * 4 * big**2, rel=1e-12)]  # over 2**63
    assert out["grad_kernels"][0][0][0][0] == pytest.approx(63 * 4 * big**3, rel=1e-12)
    assert out["sgd"]["bias"] == [pytest.approx(-63 * 4 * big**2, rel=1e-12)]
    assert out["loss"]["value"] == pytest.approx(63 * (4 * big**2) ** 2 / 2, rel=1e-12)


def spread(a: np.ndarray, step: int) -> np.ndarray:
    """step - 1 zeros between the entries of each 2-D slice (stride or dilation)."""
    out = np.zeros((*a.shape[:-2], step * (a.shape[-2] - 1) + 1, step * (a.shape[-1] - 1) + 1),
                   a.dtype)
    out[..., ::step, ::step] = a
    return out


@pytest.mark.parametrize(("op", "stride", "padding", "dilation"), [
    ("cross_correlation", 1, 0, 1), ("convolution", 1, 1, 1), ("cross_correlation", 2, 1, 1),
    ("convolution", 1, 2, 2), ("cross_correlation", 3, 2, 2), ("convolution", 2, 0, 3)])
def test_the_identities(client: TestClient, op: str, stride: int, padding: int,
                        dilation: int) -> None:
    """dL/dW = the cross-correlation of the input with dL/dZ; dL/dX = the full convolution of
    dL/dZ with the kernel (the cross-correlation with it rotated 180 degrees), by scipy."""
    rng = np.random.default_rng(stride * 100 + padding * 10 + dilation)
    k, c, kh, kw, oh, ow = 2, 2, 3, 2, 3, 4
    h, w = stride * (oh - 1) + dilation * (kh - 1) + 1 - 2 * padding, \
        stride * (ow - 1) + dilation * (kw - 1) + 1 - 2 * padding
    x, weights = rng.integers(-5, 6, (c, h, w)), rng.integers(-3, 4, (k, c, kh, kw))
    dz = rng.integers(-4, 5, (k, oh, ow))
    out = post(client, {"op": op, "input": x.tolist(), "kernels": weights.tolist(),
                        "stride": stride, "padding": padding, "dilation": dilation,
                        "backward": {"output_grad": dz.tolist()}})
    used = weights[..., ::-1, ::-1] if op == "convolution" else weights
    xp = np.pad(x, ((0, 0), (padding, padding), (padding, padding)))
    dzs = spread(dz, stride)
    dw = np.array([[signal.correlate2d(xp[ci], dzs[ki], mode="valid")[::dilation, ::dilation]
                    for ci in range(c)] for ki in range(k)])
    assert out["grad_kernels"] == (dw[..., ::-1, ::-1] if op == "convolution" else dw).tolist()
    wd = spread(used, dilation)
    full = sum(np.array([signal.convolve2d(dzs[ki], wd[ki, ci], mode="full") for ci in range(c)])
               for ki in range(k))
    rotated = sum(np.array([signal.correlate2d(dzs[ki], wd[ki, ci, ::-1, ::-1], mode="full")
                            for ci in range(c)]) for ki in range(k))
    assert np.array_equal(full, rotated)
    assert out["grad_input"] == full[:, padding:padding + h, padding:padding + w].tolist()
    assert out["grad_bias"] == dz.sum(axis=(1, 2)).tolist()
    texts = {i["of"]: i["text"] for i in out["identities"]}
    assert "cross-correlation of the input X[c]" in texts["grad_kernels"]
    assert (f"padded by {padding}" in texts["grad_kernels"]) is (padding > 0)
    assert "full convolution of dL/dZ[k]" in texts["grad_input"]
    assert ("spread out by the stride" in texts["grad_input"]) is (stride > 1)
    assert ("spread out by the dilation" in texts["grad_input"]) is (dilation > 1)


def test_max_pool_routes_to_the_first_maximum_like_torch(client: TestClient) -> None:
    # Window (0, 0) holds 3 twice, window (0, 1) holds 2 three times: the first in row-major
    # order, (0, 1) and (0, 3), takes dL/dY.
    grid = [[1, 3, 0, 2], [3, 2, 2, 2], [0, 0, 5, 1], [4, 0, 1, 5]]
    body = {"op": "max_pool", "input": grid, "size": 2,
            "backward": {"output_grad": [[10, 20], [30, 40]],
                         "explain": {"of": "input", "row": 1, "col": 0}}}
    out = post(client, body)
    assert out["grad_input"] == [[[0, 10, 0, 20], [0, 0, 0, 0], [0, 0, 40, 0], [30, 0, 0, 0]]]
    assert np.array_equal(np.array(out["grad_input"]), reference(body)["grad_input"])
    assert out["grad_explain"]["text"] == "10*0 = 0"  # the second 3 gets nothing
    overlapping = post(client, {**body, "stride": 1, "input": [[9, 1, 0], [1, 8, 0], [0, 0, 0]],
                                "backward": {"output_grad": [[1, 2], [3, 4]]}})
    assert overlapping["grad_input"] == [[[1, 0, 0], [0, 2 + 3 + 4, 0], [0, 0, 0]]]


def test_average_pool_spreads_evenly_and_counts_padding(client: TestClient) -> None:
    body = {"op": "avg_pool", "input": [[1, 2], [3, 4]], "size": 2, "padding": 1,
            "backward": {"output_grad": [[4, 8], [12, 16]]}}
    out = post(client, body)  # each window: one input cell and three padded zeros
    assert out["output"] == [[[0.25, 0.5], [0.75, 1.0]]]
    assert out["grad_input"] == [[[1.0, 2.0], [3.0, 4.0]]]
    np.testing.assert_array_equal(np.array(out["grad_input"]), reference(body)["grad_input"])
    plain = post(client, {**body, "padding": 0, "backward": {"output_grad": [[8]]}})
    assert plain["grad_input"] == [[[2.0, 2.0], [2.0, 2.0]]]
    assert "count_include_pad=True" in plain["identities"][0]["text"]


@pytest.mark.parametrize("op", CONV_OPS)
@pytest.mark.parametrize("activation", [None, "relu"])
def test_one_sgd_step_lowers_the_loss_like_torch(client: TestClient, op: str,
                                                 activation: str | None) -> None:
    rng = np.random.default_rng(7)
    body = {"op": op, "input": rng.normal(size=(2, 5, 5)).round(2).tolist(),
            "kernels": rng.normal(size=(2, 2, 3, 3)).round(2).tolist(), "bias": [0.5, -0.5],
            "padding": 1, "activation": activation,
            "backward": {"target": rng.normal(size=(2, 5, 5)).round(2).tolist(), "lr": 0.01}}
    out = post(client, body)
    ref = reference(body)["sgd"]
    sgd = out["sgd"]
    assert sgd["loss_after"] < sgd["loss_before"] == out["loss"]["value"]
    assert sgd["loss_after"] == pytest.approx(ref["loss_after"], rel=1e-10)
    for name in ("kernels", "bias", "output"):
        np.testing.assert_allclose(np.array(sgd[name]), ref[name], rtol=1e-10, atol=1e-12)
    before = np.array(body["kernels"]) - 0.01 * np.array(out["grad_kernels"])
    np.testing.assert_allclose(np.array(sgd["kernels"]), before, rtol=0, atol=1e-15)
