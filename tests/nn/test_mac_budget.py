"""CNNPG_MAX_MACS: the MAC count (checked against torch hooks on the built module) and the
limit, applied in the Builder, training runs and imports."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import torch
from fastapi.testclient import TestClient
from safetensors.torch import save
from torch import nn

from server.nn.analysis import NetworkLimits, analyze
from server.nn.build import build_model
from server.nn.presets import Presets
from server.nn.spec import NetworkSpec

PRESETS = Path(__file__).resolve().parents[2] / "models" / "presets"
BLOCKS = [
    [{"type": "residual_block", "filters": 8}],
    [{"type": "residual_block", "filters": 16, "stride": 2}],
    [{"type": "conv2d", "filters": 8, "kernel_size": 3}, {"type": "residual_block",
                                                          "filters": 16, "bottleneck": True}],
    [{"type": "residual_block", "filters": 32, "stride": 2, "bottleneck": True}],
    [{"type": "inception_block", "b1x1": 4, "b3x3_reduce": 6, "b3x3": 8, "b5x5_reduce": 2,
      "b5x5": 4, "pool_proj": 4}],
    [{"type": "conv2d", "filters": 6, "kernel_size": 5, "padding": "same", "stride": 2},
     {"type": "inception_block"}, {"type": "residual_block", "filters": 24}],
]


def _spec(layers: list[dict[str, Any]], size: int = 16, channels: int = 3) -> NetworkSpec:
    head = [{"type": "global_avg_pool2d"}, {"type": "dense", "units": 4}]
    return NetworkSpec.model_validate({"input": {"channels": channels, "height": size,
                                                 "width": size}, "layers": [*layers, *head]})


class Counted:
    """Brute force, from the built module: conv MACs = output elements x in/groups x kh x kw,
    linear = in x out (per sample); the bytes of every distinct tensor each top-level layer
    makes (its leaf modules' outputs, and its own output when no leaf made it)."""

    def __init__(self, spec: NetworkSpec):
        self.macs = 0
        self.layer_bytes: list[int] = []
        model = build_model(spec, NetworkLimits(max_macs=10**15)).eval()
        for layer in model.layers:
            seen: dict[int, torch.Tensor] = {}  # held: a freed tensor's address is reused
            for module in layer.modules():
                if not list(module.children()):
                    module.register_forward_hook(self._leaf(seen))
            layer.register_forward_hook(self._layer(seen))
        with torch.no_grad():
            model(torch.zeros(1, spec.input.channels, spec.input.height, spec.input.width))

    def _leaf(self, seen: dict[int, torch.Tensor]) -> Callable[..., None]:
        def hook(module: nn.Module, _: Any, out: torch.Tensor) -> None:
            if isinstance(module, nn.Conv2d):
                kh, kw = module.kernel_size
                self.macs += out[0].numel() * module.in_channels // module.groups * kh * kw
            elif isinstance(module, nn.Linear):
                self.macs += module.in_features * module.out_features
            seen[out.data_ptr()] = out
        return hook

    def _layer(self, seen: dict[int, torch.Tensor]) -> Callable[..., None]:
        def hook(_: nn.Module, __: Any, out: torch.Tensor) -> None:
            seen.setdefault(out.data_ptr(), out)
            self.layer_bytes.append(sum(t[0].numel() * 4 for t in seen.values()))
            seen.clear()
        return hook


def test_every_preset_counts_its_macs_like_torch_and_is_under_the_default_limit() -> None:
    default = NetworkLimits().max_macs
    for preset in Presets(PRESETS).all():
        macs = analyze(preset.spec).totals()["macs_per_sample"]
        print(f"{preset.id}: {macs:,} MACs per sample ({macs / default:.2%} of the limit)")
        assert macs == Counted(preset.spec).macs, preset.id
        assert 0 < macs < default, preset.id


@pytest.mark.parametrize("layers", BLOCKS)
def test_blocks_count_macs_and_activations_of_every_branch(layers: list[dict[str, Any]]) -> None:
    spec = _spec(layers)
    analysis = analyze(spec)
    counted = Counted(spec)
    assert analysis.totals()["macs_per_sample"] == counted.macs
    blocks = [(row["activation_bytes"], counted.layer_bytes[row["index"]])
              for row in analysis.rows if row["category"] == "block"]
    assert blocks
    assert all(ours == torch_ for ours, torch_ in blocks), blocks


HEAVY = {"input": {"channels": 3, "height": 1024, "width": 1024},
         "layers": [{"type": "conv2d", "filters": 128, "kernel_size": 9, "padding": "same"},
                    {"type": "global_avg_pool2d"}, {"type": "dense", "units": 10}]}


def _over(detail: list[dict[str, Any]]) -> str:
    messages = [d["msg"] for d in detail if "CNNPG_MAX_MACS" in d["msg"]]
    assert len(messages) == 1, detail
    return messages[0]


def test_the_builder_refuses_a_network_over_the_limit(client: TestClient) -> None:
    summary = client.post("/api/networks/summary", json=HEAVY)
    assert summary.status_code == 422
    msg = _over(summary.json()["detail"])
    assert "needs 32,614,909,184 multiply-accumulates (MACs) per sample" in msg, msg
    assert "the limit is 10,000,000,000" in msg, msg
    assert "Layer 0 (conv2d) alone needs 32,614,907,904" in msg, msg
    assert summary.json()["macs_per_sample"] == 32_614_907_904 + 1280
    export = client.post("/api/networks/export", json=HEAVY)
    assert export.status_code == 422
    _over(export.json()["detail"])


def test_a_run_over_the_limit_is_refused(make_client: Callable[..., TestClient],
                                         tmp_path: Path) -> None:
    client = make_client(models_dir=tmp_path, max_macs=1_000_000)
    response = client.post("/api/runs", json={"network": {"preset": "lenet-mnist"},
                                              "dataset": "mnist"})
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert detail[0]["loc"][-1] == "network"
    assert "6,522,000 multiply-accumulates" in _over(detail)


def _archive_of_a_huge_network() -> bytes:
    """About 8e12 MACs per sample in ~30 KB: 7 convolutions of 18 64x64 filters on a
    1024x1024 input (activations just under their limit), zero weights (they compress
    1000:1)."""
    conv = {"type": "conv2d", "filters": 18, "kernel_size": 64, "padding": "same"}
    spec = _spec([conv] * 7, size=1024)
    model = build_model(spec, NetworkLimits(max_macs=10**15))
    weights = save({k: torch.zeros_like(v) for k, v in model.state_dict().items()})
    preprocessing = {"channels": 3, "height": 1024, "width": 1024, "scale": 1 / 255,
                     "mean": [0.5] * 3, "std": [0.25] * 3, "resize": "fit_pad",
                     "background": "any", "content": "photo", "content_fraction": 1.0}
    manifest = {"name": "tiny file, huge compute", "classes": ["a", "b", "c", "d"],
                "input_shape": [3, 1024, 1024], "preprocessing": preprocessing,
                "dataset": "tiny", "metrics": {}}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("spec.json", spec.model_dump_json())
        archive.writestr("manifest.json", json.dumps(manifest))
        archive.writestr("weights.safetensors", weights)
    return buffer.getvalue()


def test_an_import_of_a_tiny_file_with_huge_compute_is_refused(
        make_client: Callable[..., TestClient], tmp_path: Path) -> None:
    data = _archive_of_a_huge_network()
    assert len(data) < 40_000
    client = make_client(models_dir=tmp_path)
    refused = client.post("/api/models/import", files={"file": ("m.zip", data)})
    assert refused.status_code == 422, refused.text
    msg = _over(refused.json()["detail"])
    macs = int(msg.split(" needs ")[1].split(" ")[0].replace(",", ""))
    assert 7e12 < macs < 9e12, msg
    assert client.get("/api/models").json()["models"] == []
    # The same archive is otherwise sound: a server that allows the compute takes it.
    lenient = make_client(models_dir=tmp_path / "lenient", max_macs=10**13)
    accepted = lenient.post("/api/models/import", files={"file": ("m.zip", data)})
    assert accepted.status_code == 201, accepted.text
