"""Every preset builds, trains one step, and its summary agrees with torch and the literature."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from server.config import Settings
from server.nn.analysis import analyze
from server.nn.build import build_model
from server.nn.presets import Presets

PRESETS = Presets(Settings().presets_dir)
REQUIRED = {"lenet5", "lenet-mnist", "keras-cifar10", "mlp-cifar10", "minivgg", "alexnet-small",
            "resnet-small", "googlenet-small", "tiny-vgg"}
# Totals published with the original material (Keras model.summary() of the same networks).
PUBLISHED = {"lenet5": 61_706, "keras-cifar10": 528_054, "mlp-cifar10": 3_590_642}


def test_all_required_presets_are_committed() -> None:
    assert set(PRESETS.ids()) >= REQUIRED
    folder = Settings().presets_dir
    for path in folder.glob("*.json"):
        assert json.loads(path.read_text())["id"] == path.stem


@pytest.mark.parametrize("preset_id", sorted(REQUIRED))
def test_preset_builds_and_runs_forward_and_backward(preset_id: str) -> None:
    preset = PRESETS.get(preset_id)
    analysis = analyze(preset.spec)
    assert not analysis.errors
    torch.manual_seed(0)
    model = build_model(preset.spec).train()
    shape = (preset.spec.input.channels, preset.spec.input.height, preset.spec.input.width)
    x = torch.randn(4, *shape)
    out = model(x)
    assert list(out.shape[1:]) == analysis.rows[-1]["output_shape"]
    assert torch.allclose(out.sum(dim=1), torch.ones(4), atol=1e-5)  # ends in softmax
    loss = torch.nn.functional.nll_loss(torch.log(out + 1e-9), torch.tensor([0, 1, 2, 3]))
    loss.backward()
    grads = [p.grad for p in model.parameters()]
    assert all(g is not None and torch.isfinite(g).all() for g in grads)
    trainable = sum(p.numel() for p in model.parameters())
    buffers = sum(b.numel() for n, b in model.named_buffers() if "num_batches" not in n)
    assert analysis.totals()["total_params"] == trainable + buffers
    assert analysis.totals()["trainable_params"] == trainable
    if preset_id in PUBLISHED:
        assert analysis.totals()["total_params"] == PUBLISHED[preset_id]


def test_preset_descriptions_are_complete() -> None:
    for preset in PRESETS.all():
        info = preset.describe()
        assert len(info["description"]) > 40
        assert info["classes"] == 10
        assert info["input"]["channels"] in (1, 3)


def test_layer_catalog_matches_snapshot(client: object) -> None:
    """The palette and forms come from /api/layers: changes to it must be deliberate.
    Regenerate with: python -c "from tests.nn.test_presets import write_snapshot; write_snapshot()"
    """
    body = client.get("/api/layers").json()  # type: ignore[attr-defined]
    assert body == json.loads(SNAPSHOT.read_text())


SNAPSHOT = Path(__file__).resolve().parent.parent / "snapshots" / "layers.json"


def write_snapshot() -> None:
    from app_settings import make_settings
    from fastapi.testclient import TestClient

    from server.main import create_app

    with TestClient(create_app(make_settings())) as test_client:
        SNAPSHOT.write_text(json.dumps(test_client.get("/api/layers").json(), indent=1) + "\n")
