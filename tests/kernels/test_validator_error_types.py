"""The request validators' refusals (server/kernels/spec.py, matrix_spec.py) and the filter
cost limit reach the API with a stable `type` and the values their English `msg` quotes as
`ctx`, so pages write them in their own language (web/static/js/errors/kernels.js)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

RENDERERS = Path(__file__).resolve().parents[2] / "web/static/js/errors/kernels.js"
SCALE_HINT = ': use a number between 1e-6 and 1e6 in size (negative too) or a fraction like "1/9"'


def refusal(response: Any) -> dict[str, Any]:
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert len(detail) == 1, detail
    return detail[0]  # type: ignore[no-any-return]


def apply(client: TestClient, step: dict[str, Any]) -> dict[str, Any]:
    return refusal(client.post("/api/kernels/apply", data={
        "sample": "camera", "spec": json.dumps({"steps": [step]})}))


def explain(client: TestClient, step: dict[str, Any],
            source: dict[str, Any] | None = None) -> dict[str, Any]:
    return refusal(client.post("/api/kernels/explain", json={
        "source": source or {"sample": "camera"}, "spec": {"steps": [step]}, "x": 0, "y": 0}))


def matrix(client: TestClient, **body: Any) -> dict[str, Any]:
    return refusal(client.post("/api/matrix", json={
        "op": "cross_correlation", "input": [[1]], "kernels": [[1]], **body}))


def rendered(kind: str) -> bool:
    return re.search(rf"^\s+{kind}: ", RENDERERS.read_text(), re.MULTILINE) is not None


def check(item: dict[str, Any], loc: list[Any], kind: str, ctx: dict[str, Any] | None,
          msg: str) -> None:
    assert (item["loc"], item["type"], item["msg"]) == (loc, kind, msg), item
    assert (item.get("ctx") or {}) == (ctx or {}), item
    assert rendered(kind), f"{kind} has no renderer in {RENDERERS.name}"


def test_scale_text_that_is_not_a_number(client: TestClient) -> None:
    check(apply(client, {"kernel": "identity", "scale": "1/2/3"}),
          ["spec", "steps", 0, "scale"], "scale_not_a_number", {"value": "'1/2/3'"},
          "steps.0.scale: scale '1/2/3' is not a number or a fraction" + SCALE_HINT)


def test_scale_too_long_quotes_the_limit(client: TestClient) -> None:
    check(explain(client, {"kernel": "identity", "scale": "1" * 65}),
          ["spec", "steps", 0, "scale"], "scale_too_long",
          {"max": 64, "value": "'" + "1" * 56 + "..."},
          "spec.steps.0.scale: scale '" + "1" * 56 + "... is longer than 64 characters"
          + SCALE_HINT)


def test_scale_divides_by_zero_and_zero_scale(client: TestClient) -> None:
    check(explain(client, {"kernel": "identity", "scale": "1/0"}),
          ["spec", "steps", 0, "scale"], "scale_divides_by_zero", {"value": "'1/0'"},
          "spec.steps.0.scale: scale '1/0' is not a number or a fraction (it divides by zero)"
          + SCALE_HINT)
    check(apply(client, {"kernel": "identity", "scale": "0/5"}),
          ["spec", "steps", 0, "scale"], "scale_zero", None,
          "steps.0.scale: scale 0 makes every output 0; use a non-zero factor such as 1/9")


def test_ragged_slice_of_a_three_channel_matrix(client: TestClient) -> None:
    check(apply(client, {"matrix": [[[1], [1]], [[1, 2], [1]]]}),
          ["spec", "steps", 0, "matrix"], "kernel_slice_ragged",
          {"slice": 1, "width": 2, "row": 1, "count": 1},
          "steps.0.matrix: matrix slice 1 is ragged: row 0 has 2 values but row 1 has 1; "
          "every row needs the same number of values")


def test_matrix_larger_than_a_kernel_can_be(client: TestClient) -> None:
    check(explain(client, {"matrix": [[0] * 16]}),
          ["spec", "steps", 0, "matrix"], "kernel_matrix_too_large",
          {"rows": 1, "cols": 16, "max": 15},
          "spec.steps.0.matrix: matrix is 1x16; the largest kernel is 15x15")


def test_unknown_kernel_by_the_shortcut_and_in_a_spec(client: TestClient) -> None:
    item = refusal(client.post("/api/kernels/apply", data={"sample": "camera",
                                                            "kernel": "{names}"}))
    assert item["loc"] == ["kernel", "steps", 0]
    assert item["type"] == "unknown_kernel"
    assert item["ctx"]["kernel"] == "'{names}'"  # the name sent is never filled in
    assert item["msg"].startswith("steps.0: unknown kernel '{names}'; valid names: bilateral, ")
    assert item["msg"].endswith(f"valid names: {item['ctx']['names']}")
    assert "sobel_x" in item["ctx"]["names"].split(", ")
    assert explain(client, {"kernel": "nope"})["type"] == "unknown_kernel"


def test_one_source_for_the_step_and_for_the_image(client: TestClient) -> None:
    check(explain(client, {"kernel": "identity", "matrix": [[1]]}),
          ["spec", "steps", 0], "kernel_or_matrix", None,
          "spec.steps.0: give exactly one of 'kernel' (a name from GET /api/kernels) or "
          "'matrix' (custom)")
    check(explain(client, {"kernel": "identity"}, {"sample": "camera", "image_id": "x"}),
          ["source"], "image_id_or_sample", None,
          "source: give exactly one of 'image_id' (from POST /api/images) or 'sample'")


def test_numeric_mode_grids(client: TestClient) -> None:
    check(matrix(client, input=[[[1]], [[1], []]]), ["input"], "numeric_grid_ragged",
          {"field": "input", "channel": 1, "width": 1, "row": 1, "count": 0},
          "input: input channel 1 is ragged: row 0 has 1 values, row 1 has 0")
    check(matrix(client, input=[[[1]]] * 9), ["input"], "numeric_too_many_channels",
          {"field": "input", "channels": 9, "max": 8}, "input: input has 9 channels; at most 8")
    check(matrix(client, backward={"output_grad": [[0] * 95]}),
          ["backward", "output_grad"], "numeric_grid_too_large",
          {"field": "output_grad", "rows": 1, "cols": 95, "max": 94},
          "backward.output_grad: output_grad is 1x95; numeric mode takes at most 94x94")
    check(matrix(client, backward={"target": [[[1]], [[1, 2]]]}),
          ["backward", "target"], "numeric_channel_sizes_differ",
          {"field": "target", "sizes": "[(1, 1), (1, 2)]"},
          "backward.target: target channels have different sizes: [(1, 1), (1, 2)]")


def test_numeric_mode_backward(client: TestClient) -> None:
    check(matrix(client, backward={"output_grad": [[1]], "explain": {"of": "bias", "row": 0,
                                                                     "col": 1}}),
          ["backward", "explain"], "gradient_field_not_applicable",
          {"fields": "col, row", "of": "bias"},
          "backward.explain: col, row does not apply to a gradient of 'bias'; remove it")
    check(matrix(client, backward={}), ["backward"], "output_grad_or_target", None,
          "backward: give exactly one of output_grad (dL/dY) or target (for the loss 1/2 "
          "sum((Y - target)^2))")


def test_the_live_socket_sends_the_same_type(client: TestClient) -> None:
    with client.websocket_connect("/ws/kernels") as ws:
        ws.send_json({"type": "apply", "id": 3, "source": {"sample": "camera"},
                      "spec": {"steps": [{"kernel": "identity", "scale": "1e999"}]}})
        error = ws.receive_json()
    assert (error["type"], error["id"], error["status"]) == ("error", 3, 422), error
    check(error["detail"][0], ["spec", "steps", 0, "scale"], "scale_out_of_range",
          {"value": "'1e999'"}, "spec.steps.0.scale: scale '1e999' is out of range" + SCALE_HINT)


@pytest.mark.parametrize("endpoint", ["apply", "explain"])
def test_filter_cost_quotes_each_step(make_client: Callable[..., TestClient],
                                      endpoint: str) -> None:
    client = make_client(max_filter_cost=0.001)
    spec = {"steps": [{"kernel": "bilateral", "params": {"size": 15}},
                      {"matrix": [[1, 2, 1]] * 5}]}
    if endpoint == "apply":
        response = client.post("/api/kernels/apply", data={"sample": "astronaut",
                                                            "spec": json.dumps(spec)})
    else:
        response = client.post("/api/kernels/explain", json={
            "source": {"sample": "astronaut"}, "spec": spec, "x": 0, "y": 0})
    item = refusal(response)
    ctx = item["ctx"]
    assert item["type"] == "filter_cost_too_high"
    assert rendered("filter_cost_too_high")
    assert {k: ctx[k] for k in ("width", "height", "limit", "steps", "step1", "label1",
                                "step2", "shape2")} == {
        "width": 512, "height": 512, "limit": 0.001, "steps": 2, "step1": 0,
        "label1": "Bilateral", "step2": 1, "shape2": "5x3"}
    assert "label2" not in ctx  # a custom kernel is named by its shape
    assert item["msg"] == (
        f"this pipeline on a 512x512 image would take about {ctx['total']:.2f} s of computing "
        f"(step 0 (Bilateral) about {ctx['seconds1']:.2f} s; step 1 (custom 5x3) about "
        f"{ctx['seconds2']:.2f} s); the limit is 0.001 s per request (setting "
        "CNNPG_MAX_FILTER_COST): filter a smaller image (preview_max_side, or a smaller "
        "upload), or use fewer or smaller steps")
