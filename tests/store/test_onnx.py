"""ONNX export: the graph runs in ONNX Runtime and gives what torch gives."""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime  # type: ignore[import-untyped]
import pytest
import torch

from server.config import PROJECT_ROOT, Settings
from server.nn.build import Network, build_model
from server.nn.presets import Presets
from server.nn.spec import NetworkSpec
from server.store import ModelStore
from server.store.onnx import export_onnx

from .conftest import SPEC, small_model

PRESETS = Presets(Settings().presets_dir)


def _compare(spec: NetworkSpec, model: Network, batches: tuple[int, ...] = (1, 5)) -> bytes:
    data = export_onnx(spec, model)
    graph = onnx.load_from_string(data)
    onnx.checker.check_model(graph)
    session = onnxruntime.InferenceSession(data, providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == ["input"]
    assert [o.name for o in session.get_outputs()] == ["probabilities"]
    assert session.get_inputs()[0].shape[0] == "batch"  # a dynamic batch axis
    generator = torch.Generator().manual_seed(0)
    for batch in batches:
        x = torch.randn(batch, spec.input.channels, spec.input.height, spec.input.width,
                        generator=generator)
        (got,) = session.run(None, {"input": x.numpy()})
        with torch.no_grad():
            want = torch.softmax(model.logits(x), dim=1).numpy()
        assert got.shape == (batch, want.shape[1])
        np.testing.assert_allclose(got, want, atol=1e-5, rtol=0)
        np.testing.assert_allclose(got.sum(axis=1), 1, atol=1e-5)
    return data


def test_the_shipped_model_exports_and_matches_torch() -> None:
    store = ModelStore(PROJECT_ROOT / "models")
    (shipped,) = [e.id for e in store.entries() if e.manifest and e.manifest.shipped]
    spec, model, _ = store.load(shipped)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    _compare(spec, model, batches=(1, 7, 64))
    assert not model.training
    after = model.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)  # the original is untouched


def test_a_network_without_softmax_still_gives_probabilities() -> None:
    spec = NetworkSpec.model_validate({**SPEC.model_dump(), "layers": [
        *SPEC.model_dump()["layers"][:-1], {"type": "dense", "units": 3}]})
    torch.manual_seed(0)
    _compare(spec, build_model(spec).eval())
    _compare(SPEC, small_model())


CLASSIFIERS = [p for p in PRESETS.ids() if PRESETS.get(p).describe()["task"] != "detection"]


@pytest.mark.parametrize("preset", CLASSIFIERS)
def test_every_preset_exports(preset: str) -> None:
    spec = PRESETS.get(preset).spec
    torch.manual_seed(0)
    _compare(spec, build_model(spec).eval(), batches=(2,))


def test_a_detector_exports_its_raw_grid() -> None:
    spec = PRESETS.get("yolo-tiny-mnist").spec
    torch.manual_seed(0)
    model = build_model(spec).eval()
    data = export_onnx(spec, model)
    onnx.checker.check_model(onnx.load_from_string(data))
    session = onnxruntime.InferenceSession(data, providers=["CPUExecutionProvider"])
    assert [o.name for o in session.get_outputs()] == ["grid"]
    for batch in (1, 3):
        x = torch.randn(batch, 1, 96, 96, generator=torch.Generator().manual_seed(batch))
        (got,) = session.run(None, {"input": x.numpy()})
        with torch.no_grad():
            want = model(x).numpy()
        assert got.shape == (batch, 6, 6, 30)
        np.testing.assert_allclose(got, want, atol=1e-4, rtol=0)
