"""Batch prediction within a memory budget per forward pass (CNNPG_MAX_PREDICT_BYTES), and
loaded models within a byte bound (CNNPG_LOADED_MODELS_BYTES)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from fastapi.testclient import TestClient

from server.nn.analysis import analyze

from .conftest import RGB, model_id, png


def _passes(client: TestClient, name: str) -> tuple[str, list[int]]:
    """The model's id, and the batch size of every forward pass it runs from now on."""
    services = client.app.state.services  # type: ignore[attr-defined]
    ident = model_id(client, name)
    loaded = services.predictor.get(ident)
    sizes: list[int] = []
    first = loaded.model.layers[0]
    first.register_forward_pre_hook(lambda _, args: sizes.append(len(args[0])))
    return ident, sizes


def test_a_batch_over_the_budget_runs_in_passes_that_fit(
        make_client: Callable[..., TestClient], models_dir: Path) -> None:
    per_image = analyze(RGB).totals()["activation_bytes_per_sample"] + 3 * 32 * 32 * 4
    budget = 1024 * 1024  # the smallest setting: about 25 images of this network per pass
    fits = budget // per_image
    client = make_client(models_dir=models_dir, max_predict_bytes=budget,
                         max_batch_files=128)
    ident, sizes = _passes(client, "rgb photos")
    rng = np.random.default_rng(0)
    images = [rng.integers(0, 256, (32, 32, 3), dtype=np.uint8) for _ in range(100)]
    files = [("files", (f"{i}.png", png(a))) for i, a in enumerate(images)]
    batch = client.post(f"/api/models/{ident}/predict/batch?top_k=3", files=files)
    assert batch.status_code == 200, batch.text
    assert sizes
    assert max(sizes) <= fits < 100, (sizes, fits)
    assert sum(sizes) == 100
    assert max(sizes) * per_image <= budget
    for i in (0, 57, 99):  # results line up with the files sent, across passes
        single = client.post(f"/api/models/{ident}/predict?top_k=3",
                             files={"file": ("x.png", png(images[i]))}).json()
        result = batch.json()["results"][i]
        assert result["filename"] == f"{i}.png"
        got = [(p["index"], round(p["probability"], 5)) for p in result["predictions"]]
        want = [(p["index"], round(p["probability"], 5)) for p in single["predictions"]]
        assert got == want


def test_loaded_models_are_bounded_by_bytes(make_client: Callable[..., TestClient],
                                            models_dir: Path) -> None:
    """Three small models under a cap that holds any one of them but not all three (the
    count cap, 8, would keep them all)."""
    names = ["shipped", "dense only", "rgb photos"]
    probe = make_client(models_dir=models_dir)
    weights = [probe.app.state.services.predictor.get(  # type: ignore[attr-defined]
        model_id(probe, n)).weight_bytes for n in names]
    cap = sum(weights) - min(weights) // 2
    client = make_client(models_dir=models_dir, loaded_models_bytes=cap)
    predictor = client.app.state.services.predictor  # type: ignore[attr-defined]
    for name in names:
        predictor.get(model_id(client, name))
        assert predictor.loaded_bytes() <= cap
    assert predictor.cached(model_id(client, "rgb photos")) is not None  # the newest stays
    assert predictor.cached(model_id(client, names[0])) is None  # the oldest went
