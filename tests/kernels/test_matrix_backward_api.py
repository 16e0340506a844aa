"""Numeric mode's backward pass, by hand: a textbook 3x3 example worked on paper, the
explanation of single gradient entries, dilation in the forward pass, and the refusals
(422 naming the field, the value and the fix, never a 500)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .test_matrix_api import ints_only, post

# X = [[1, 2, 3], [4, 5, 6], [7, 8, 9]], W = [[1, 0], [-1, 2]], stride 1, no padding:
#   Y[y][x] = X[y][x] - X[y+1][x] + 2 X[y+1][x+1]  ->  [[7, 9], [13, 15]]
# With dL/dY = G = [[1, 2], [3, 4]]:
#   dL/dW[i][j] = sum_yx X[y+i][x+j] G[y][x]:  dW[0][0] = 1*1 + 2*2 + 4*3 + 5*4 = 37,
#     dW[0][1] = 2 + 6 + 15 + 24 = 47, dW[1][0] = 4 + 10 + 21 + 32 = 67, dW[1][1] = 5 + 12 + 24
#     + 36 = 77;  dL/db = 1 + 2 + 3 + 4 = 10
#   dL/dX[r][c] = sum_yx G[y][x] W[r-y][c-x] (the full convolution of G with W):
#     dX[1][1] = G00 W11 + G01 W10 + G10 W01 + G11 W00 = 2 - 2 + 0 + 4 = 4, and so on
TEXTBOOK = {"op": "cross_correlation", "input": [[1, 2, 3], [4, 5, 6], [7, 8, 9]],
            "kernels": [[1, 0], [-1, 2]], "backward": {"output_grad": [[1, 2], [3, 4]]}}


def backward(body: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {**body, "backward": {**body["backward"], **extra}}


def test_the_textbook_example_worked_by_hand(client: TestClient) -> None:
    out = post(client, TEXTBOOK)
    assert out["output"] == [[[7, 9], [13, 15]]]
    assert out["grad_kernels"] == [[[[37, 47], [67, 77]]]]
    assert out["grad_bias"] == [10]
    assert out["grad_input"] == [[[1, 2, 0], [2, 4, 4], [-3, 2, 8]]]
    assert ints_only([out["grad_input"], out["grad_kernels"], out["grad_bias"]])
    assert out["loss"] == {"definition": "L = sum(output_grad * Y) (linear: dL/dY = output_grad)",
                           "value": 1 * 7 + 2 * 9 + 3 * 13 + 4 * 15}


def test_explaining_a_kernel_gradient_lists_input_times_gradient(client: TestClient) -> None:
    out = post(client, backward(TEXTBOOK, explain={"of": "kernel", "row": 1, "col": 1}))
    ex = out["grad_explain"]
    assert ex["text"] == "5*1 + 6*2 + 8*3 + 9*4 = 77"
    assert ex["value"] == 77 == sum(t["product"] for t in ex["terms"])
    assert [(t["row"], t["col"], t["out_row"], t["out_col"]) for t in ex["terms"]] == [
        (1, 1, 0, 0), (1, 2, 0, 1), (2, 1, 1, 0), (2, 2, 1, 1)]
    assert ex["index"] == [0, 0, 1, 1]
    assert ex["rule"] == ("dL/dW[0][0][1][1] = sum over outputs (y, x) of X[0][y + 1][x + 1] "
                          "* dL/dZ[0][y][x]")


def test_explaining_an_input_gradient_lists_gradient_times_weight(client: TestClient) -> None:
    ex = post(client, backward(TEXTBOOK, explain={"of": "input", "row": 1, "col": 1}))[
        "grad_explain"]
    assert ex["text"] == "4*1 + 3*0 + 2*-1 + 1*2 = 4"
    assert [(t["out_row"], t["out_col"], t["weight_row"], t["weight_col"]) for t in ex["terms"]
            ] == [(1, 1, 0, 0), (1, 0, 0, 1), (0, 1, 1, 0), (0, 0, 1, 1)]
    corner = post(client, backward(TEXTBOOK, explain={"of": "input", "row": 0, "col": 2}))
    assert corner["grad_explain"]["text"] == "2*0 = 0"  # only Y[0][1] reads X[0][2], by W[0][1]
    bias = post(client, backward(TEXTBOOK, explain={"of": "bias"}))["grad_explain"]
    assert bias["text"] == "1 + 2 + 3 + 4 = 10"


def test_convolution_gradients_are_for_the_kernel_as_typed(client: TestClient) -> None:
    conv = post(client, {**TEXTBOOK, "op": "convolution",
                         "backward": {"output_grad": [[1, 2], [3, 4]],
                                      "explain": {"of": "kernel", "row": 0, "col": 0}}})
    # Convolution slides W flipped: typed w[0][0] sits at the window's bottom right.
    assert conv["grad_kernels"] == [[[[77, 67], [47, 37]]]]
    assert conv["grad_explain"]["text"] == "5*1 + 6*2 + 8*3 + 9*4 = 77"
    assert "flips the kernel" in conv["grad_explain"]["rule"]


def test_relu_masks_the_gradient_and_a_target_defines_the_loss(client: TestClient) -> None:
    body = {"op": "cross_correlation", "input": [[1, -2], [3, 0]], "kernels": [[1]],
            "activation": "relu", "backward": {"target": [[0, 5], [1, 1]]}}
    out = post(client, body)
    assert out["output"] == [[[1, 0], [3, 0]]]
    assert out["grad_output"] == [[[1, -5], [2, -1]]]  # Y - target
    assert out["grad_pre_activation"] == [[[1, 0], [2, 0]]]  # Z = -2 and Z = 0 pass nothing
    assert out["grad_kernels"] == [[[[1 * 1 + 3 * 2]]]]
    assert out["loss"]["value"] == (1 + 25 + 4 + 1) / 2
    assert out["loss"]["definition"] == "L = 1/2 sum((Y - target)^2)"


def test_sgd_by_hand_with_integer_and_decimal_rates(client: TestClient) -> None:
    one = post(client, backward(TEXTBOOK, lr=1))["sgd"]
    assert one["kernels"] == [[[[1 - 37, 0 - 47], [-1 - 67, 2 - 77]]]]
    assert one["bias"] == [-10]
    assert ints_only(one["output"])
    small = post(client, backward(TEXTBOOK, lr=0.01))["sgd"]
    assert small["kernels"][0][0] == [pytest.approx([0.63, -0.47]), pytest.approx([-1.67, 1.23])]
    assert small["bias"] == [pytest.approx(-0.1)]
    assert small["loss_before"] == 124
    # A linear loss falls by exactly lr * |grad|^2: 0.01 * (37² + 47² + 67² + 77² + 10²).
    assert small["loss_after"] == pytest.approx(124 - 0.01 * 14096)


def test_dilation_spreads_the_kernel_taps(client: TestClient) -> None:
    grid = [[r * 5 + c for c in range(5)] for r in range(5)]
    out = post(client, {"op": "cross_correlation", "input": grid, "kernels": [[1, 1], [1, 1]],
                        "dilation": 2, "explain": {"row": 0, "col": 0},
                        "backward": {"output_grad": [[1] * 3] * 3,
                                     "explain": {"of": "kernel", "row": 1, "col": 1}}})
    assert out["output"] == [[[grid[r][c] + grid[r][c + 2] + grid[r + 2][c] + grid[r + 2][c + 2]
                               for c in range(3)] for r in range(3)]]
    assert out["formula"] == "(5 - 3 + 2*0)/1 + 1 = 3 (a 2x2 kernel with dilation 2 spans 3x3)"
    assert [(t["row"], t["col"]) for t in out["explain"]["terms"]] == [(0, 0), (0, 2), (2, 0),
                                                                       (2, 2)]
    assert out["grad_kernels"][0][0][1][1] == sum(grid[r][c] for r in (2, 3, 4) for c in (2, 3, 4))


@pytest.mark.parametrize(("extra", "loc", "words"), [
    ({"backward": {"output_grad": [[1, 2]]}}, ["backward", "output_grad"],
     ["backward.output_grad is 1x2", "the output is 1x2x2", "1 grid(s) of 2x2"]),
    ({"backward": {"output_grad": [[[1, 2], [3, 4]]] * 2}}, ["backward", "output_grad"],
     ["2x2x2", "output is 1x2x2"]),
    ({"backward": {"target": [[1]]}}, ["backward", "target"], ["backward.target is 1x1"]),
    ({"backward": {"output_grad": [[1, 2], [3]]}}, ["backward", "output_grad"],
     ["ragged", "row 1 has 1"]),
    ({"backward": {"output_grad": [[[1]]] * 9}}, ["backward", "output_grad"], ["at most 8"]),
    ({"backward": {"output_grad": [[1] * 95]}}, ["backward", "output_grad"], ["at most 94x94"]),
    ({"backward": {}}, ["backward"], ["exactly one of output_grad"]),
    ({"backward": {"output_grad": [[1]], "target": [[1]]}}, ["backward"], ["exactly one"]),
    ({"backward": {"output_grad": [[1, 1], [1, 1]], "lr": 0}}, ["backward", "lr"],
     ["greater than 0", "got 0"]),
    ({"backward": {"output_grad": [[1, 1], [1, 1]], "lr": 11}}, ["backward", "lr"],
     ["less than or equal to 10"]),
    ({"backward": {"output_grad": [[1, 1], [1, 1]], "explain": {"of": "kernel", "row": 2}}},
     ["backward", "explain"], ["kernel [0, 0, 2, 0] is outside the 1x1x2x2", "row < 2"]),
    ({"backward": {"output_grad": [[1, 1], [1, 1]], "explain": {"of": "input", "kernel": 0}}},
     ["backward", "explain"], ["kernel does not apply", "remove it"]),
    ({"backward": {"output_grad": [[1, 1], [1, 1]], "explain": {"of": "weights"}}},
     ["backward", "explain", "of"], ["'input', 'kernel' or 'bias'"]),
    ({"dilation": 0}, ["dilation"], ["greater than or equal to 1"]),
    ({"dilation": 17}, ["dilation"], ["less than or equal to 16"]),
    ({"dilation": 3}, ["kernels"], ["(3 - 4 + 2*0)/1 + 1", "4-wide filter"]),
])
def test_refusals_name_the_field_and_the_fix(client: TestClient, extra: dict[str, Any],
                                             loc: list[str], words: list[str]) -> None:
    body = {"op": "cross_correlation", "input": [[1, 2, 3]] * 3, "kernels": [[1, 0], [0, 1]],
            **extra}
    detail = post(client, body, status=422)["detail"]
    assert detail[0]["loc"] == loc, detail
    for word in words:
        assert word in detail[0]["msg"], (word, detail[0]["msg"])


@pytest.mark.parametrize(("extra", "loc", "words"), [
    ({"dilation": 2}, ["dilation"], ["dilation 2", "give dilation 1"]),
    ({"backward": {"output_grad": [[1]], "lr": 0.1}}, ["backward", "lr"],
     ["max_pool has no weights", "remove lr"]),
    ({"backward": {"output_grad": [[1]], "explain": {"of": "bias"}}}, ["backward", "explain"],
     ["has no kernels or bias", "explain of 'input'"]),
])
def test_pooling_refusals(client: TestClient, extra: dict[str, Any], loc: list[str],
                          words: list[str]) -> None:
    detail = post(client, {"op": "max_pool", "input": [[1, 2], [3, 4]], **extra},
                  status=422)["detail"]
    assert detail[0]["loc"] == loc
    for word in words:
        assert word in detail[0]["msg"]


@pytest.mark.parametrize("raw", [b"NaN", b"Infinity", b"1e400"])
@pytest.mark.parametrize("field", ["output_grad", "lr"])
def test_non_finite_gradients_and_rates_are_refused(client: TestClient, raw: bytes,
                                                    field: str) -> None:
    grad = b"[[1, " + raw + b"]]" if field == "output_grad" else b"[[1, 1]]"
    lr = b", \"lr\": " + raw if field == "lr" else b""
    body = (b'{"op": "cross_correlation", "input": [[1, 2, 3]], "kernels": [[1, 1]], '
            b'"backward": {"output_grad": ' + grad + lr + b"}}")
    response = client.post("/api/matrix", content=body,
                           headers={"content-type": "application/json"})
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert any(d["loc"][:2] == ["backward", field] for d in detail), detail


JUNK = st.recursive(st.one_of(st.integers(-3, 100), st.floats(allow_nan=False), st.none(),
                              st.sampled_from(["input", "kernel", "bias", "x"])),
                    lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(st.sampled_from(["of", "row", "col", "kernel"]), inner),
                    max_leaves=12)


@settings(max_examples=80, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(key=st.sampled_from(["output_grad", "target", "lr", "explain"]), junk=JUNK,
       op=st.sampled_from(["convolution", "cross_correlation", "max_pool", "avg_pool"]))
def test_generated_backward_requests_never_fail_with_500(client: TestClient, key: str,
                                                         junk: Any, op: str) -> None:
    back = {"output_grad": [[1, 1], [1, 1]], key: junk}
    if key == "target":
        back.pop("output_grad")
    body = {"op": op, "input": [[1, 2, 3]] * 3, "kernels": [[1, 0], [0, 1]], "size": 2,
            "stride": 1, "backward": back}
    response = client.post("/api/matrix", content=json.dumps(body),
                           headers={"content-type": "application/json"})
    assert response.status_code in (200, 422), response.text[:300]
