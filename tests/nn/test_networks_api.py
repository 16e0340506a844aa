"""REST: summary, export (executed), presets, catalog."""

from __future__ import annotations

from typing import Any

import pytest
import torch
from fastapi.testclient import TestClient

from server.nn.build import build_model
from server.nn.spec import NetworkSpec

ISSUE_EXAMPLE = {
    "input": {"channels": 1, "height": 28, "width": 28},
    "layers": [
        {"type": "conv2d", "filters": 20, "kernel_size": 5, "stride": 1, "padding": "same",
         "activation": "relu"},
        {"type": "max_pool2d", "pool_size": 2},
        {"type": "flatten"},
        {"type": "dense", "units": 500, "activation": "relu"},
        {"type": "dropout", "rate": 0.5},
        {"type": "dense", "units": 10, "activation": "softmax"}]}


def test_summary_of_the_documented_example(client: TestClient) -> None:
    body = client.post("/api/networks/summary", json=ISSUE_EXAMPLE).json()
    first = body["layers"][0]
    assert first["output_shape"] == [20, 28, 28]
    assert first["params"] == 520  # (5*5*1 + 1) * 20, as Keras reports
    assert first["formula"] == "(28 - 5 + 2*2)/1 + 1 = 28"
    assert first["macs"] == 28 * 28 * 20 * 25
    assert [r["output_shape"] for r in body["layers"]] == [
        [20, 28, 28], [20, 14, 14], [3920], [500], [500], [10]]
    assert body["total_params"] == 520 + 3920 * 500 + 500 + 5010
    assert body["activation_bytes_per_sample"] == 4 * (15680 + 3920 + 3920 + 500 + 500 + 10)


def test_conv_with_bias_counts_like_keras(client: TestClient) -> None:
    spec = {"input": {"channels": 3, "height": 8, "width": 8},
            "layers": [{"type": "conv2d", "filters": 10, "kernel_size": 3}]}
    assert client.post("/api/networks/summary", json=spec).json()["total_params"] == 280


def test_summary_accepts_a_preset_name(client: TestClient) -> None:
    body = client.post("/api/networks/summary", json={"preset": "keras-cifar10"}).json()
    assert body["total_params"] == 528_054
    missing = client.post("/api/networks/summary", json={"preset": "vgg19"})
    assert missing.status_code == 404
    assert "lenet-mnist" in missing.json()["detail"][0]["msg"]


def test_blocks_list_their_inner_layers(client: TestClient) -> None:
    spec = {"input": {"channels": 16, "height": 8, "width": 8},
            "layers": [{"type": "residual_block", "filters": 32, "stride": 2}]}
    row = client.post("/api/networks/summary", json=spec).json()["layers"][0]
    names = [inner["name"] for inner in row["inner"]]
    assert names == ["body.0", "body.1", "body.3", "body.4", "shortcut.0", "shortcut.1"]
    assert sum(inner["params"] for inner in row["inner"]) == row["params"]


@pytest.mark.parametrize("preset", ["lenet-mnist", "resnet-small", "googlenet-small", None])
def test_exported_source_runs_and_matches_build_model(client: TestClient,
                                                      preset: str | None) -> None:
    spec_json: dict[str, Any] = (
        client.get(f"/api/presets/{preset}").json()["spec"] if preset else {
            "input": {"channels": 2, "height": 9, "width": 11},
            "layers": [{"type": "conv2d", "filters": 3, "kernel_size": [2, 3], "stride": 2,
                        "padding": "same", "activation": "prelu"},
                       {"type": "batch_norm"}, {"type": "avg_pool2d", "pool_size": 2},
                       {"type": "flatten"}, {"type": "dense", "units": 4, "activation": "elu"},
                       {"type": "leaky_relu", "alpha": 0.2}]})
    response = client.post("/api/networks/export", json=spec_json, params={"name": "Demo"})
    assert response.status_code == 200
    namespace: dict[str, Any] = {"__name__": "exported"}
    exec(compile(response.text, "exported.py", "exec"), namespace)  # our own generated code
    exported = namespace["Network"]().eval()
    built = build_model(NetworkSpec.model_validate(spec_json)).eval()
    exported.load_state_dict(built.state_dict())  # same structure, same keys
    torch.manual_seed(1)
    inp = spec_json["input"]
    x = torch.randn(3, inp["channels"], inp["height"], inp["width"])
    with torch.no_grad():
        assert torch.allclose(exported(x), built(x), atol=1e-6)


def test_export_of_an_invalid_spec_is_422(client: TestClient) -> None:
    spec = {"input": {"channels": 1, "height": 4, "width": 4},
            "layers": [{"type": "conv2d", "kernel_size": 5}]}
    response = client.post("/api/networks/export", json=spec)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["layers", 0, "kernel_size"]


def test_presets_endpoints(client: TestClient) -> None:
    listing = client.get("/api/presets").json()["presets"]
    ids = [p["id"] for p in listing]
    assert "lenet-mnist" in ids
    one = client.get("/api/presets/lenet-mnist").json()
    assert one["spec"]["input"] == {"channels": 1, "height": 28, "width": 28}
    assert one["classes"] == 10
    assert client.get("/api/presets/nope").status_code == 404


def test_layer_catalog_has_schema_defaults_and_bounds(client: TestClient) -> None:
    body = client.get("/api/layers").json()
    by_type = {layer["type"]: layer for layer in body["layers"]}
    filters = by_type["conv2d"]["schema"]["properties"]["filters"]
    assert filters["default"] == 16
    assert filters["minimum"] == 1
    assert set(body["categories"]) >= {by_type[t]["category"] for t in by_type}
    assert by_type["softmax"]["category"] == "activation"
