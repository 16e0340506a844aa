"""The network checks' errors carry a stable type and the values their message quotes (ctx),
so the Builder renders them in the page's language (web/static/js/errors/builder.js); the
English msg is unchanged. Also: every preset's texts are marked for translation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from server.nn.preset_texts import PRESET_TEXTS

PRESETS = Path(__file__).resolve().parents[2] / "models" / "presets"


def detail(client: TestClient, spec: dict[str, Any]) -> list[dict[str, Any]]:
    answer = client.post("/api/networks/summary", json=spec)
    assert answer.status_code == 422, answer.text
    return list(answer.json()["detail"])


def img(side: int) -> dict[str, int]:
    return {"channels": 1, "height": side, "width": side}


def test_a_kernel_larger_than_its_input(client: TestClient) -> None:
    [item] = detail(client, {"input": img(4), "layers": [
        {"type": "conv2d", "filters": 2, "kernel_size": 5}]})
    assert item["loc"] == ["layers", 0, "kernel_size"]
    assert item["type"] == "kernel_larger_than_input"
    assert item["msg"].startswith("layer 0 (conv2d): kernel 5x5 is larger than the 4x4 input")
    assert item["ctx"] == {"index": 0, "kernel": "5x5", "dilation": 1, "covers": "5x5",
                           "input": "4x4", "padding": 0, "formula": "(4 - 5 + 2*0)/1 + 1"}


def test_a_stride_that_does_not_fit(client: TestClient) -> None:
    [item] = detail(client, {"input": img(28), "layers": [
        {"type": "conv2d", "kernel_size": 3, "stride": 2}]})
    assert item["type"] == "stride_does_not_fit"
    assert item["ctx"]["stride"] == 2
    assert item["ctx"]["value"] == 13.5
    assert item["ctx"]["input"] == "28x28"
    assert item["ctx"]["fits"] == ["1"]


def test_shape_mismatches_name_the_layer_and_the_shape(client: TestClient) -> None:
    found = detail(client, {"input": img(8), "layers": [
        {"type": "flatten"}, {"type": "conv2d"}]})
    assert [d["type"] for d in found] == ["layer_needs_image"]
    assert found[0]["ctx"] == {"index": 1, "layer": "conv2d", "shape": "[64]"}
    found = detail(client, {"input": img(8), "layers": [{"type": "dense", "units": 3}]})
    assert found[0]["type"] == "layer_needs_vector"
    assert found[0]["ctx"] == {"index": 0, "layer": "dense", "shape": "[1, 8, 8]"}


def test_softmax_and_pooling_and_blocks(client: TestClient) -> None:
    found = detail(client, {"input": img(8), "layers": [
        {"type": "avg_pool2d", "pool_size": 2, "padding": 2},
        {"type": "residual_block", "filters": 10, "bottleneck": True},
        {"type": "flatten"}, {"type": "softmax"}, {"type": "dense", "units": 3}]})
    types = {d["type"]: d.get("ctx") for d in found}
    assert types["pool_padding_too_large"] == {"index": 0, "padding": 2, "window": 2, "max": 1}
    assert types["softmax_not_last"] == {"index": 3, "layer": "softmax"}


def test_bad_parameter_values_keep_pydantic_types_with_their_bounds(client: TestClient) -> None:
    found = detail(client, {"input": img(8), "layers": [
        {"type": "conv2d", "filters": 0}, {"type": "dense", "unit": 3}, {"type": "conv3d"}]})
    by_loc = {tuple(d["loc"]): d for d in found}
    filters = by_loc[("layers", 0, "filters")]
    assert filters["type"] == "greater_than_equal"
    assert filters["ctx"] == {"ge": 1}
    assert filters["msg"].startswith("layer 0 (conv2d): filters: ")
    field = by_loc[("layers", 1, "unit")]
    assert field["type"] == "not_a_layer_field"
    assert field["ctx"]["field"] == "unit"
    assert field["ctx"]["layer"] == "dense"
    assert "units" in field["ctx"]["fields"]
    unknown = by_loc[("layers", 2, "type")]
    assert unknown["type"] == "unknown_layer_type"
    assert unknown["ctx"]["got"] == "'conv3d'"
    assert "conv2d" in unknown["ctx"]["valid"]


def test_the_input_shape_errors_have_pydantic_types(client: TestClient) -> None:
    found = detail(client, {"input": {"channels": 0, "height": 8, "width": 8},
                            "layers": [{"type": "flatten"}]})
    assert found[0]["loc"] == ["input", "channels"]
    assert found[0]["type"] == "greater_than_equal"
    assert found[0]["ctx"] == {"ge": 1}


def test_every_preset_name_and_description_is_marked_for_translation() -> None:
    marked = set(PRESET_TEXTS)
    for path in sorted(PRESETS.glob("*.json")):
        data = json.loads(path.read_text())
        assert data["name"] in marked, path.name
        assert data["description"] in marked, path.name
