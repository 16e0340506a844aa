"""The fast batch path and opportunistic batching: a batch decoded in parallel and prepared
together gives what one-by-one /predict gives; concurrent requests share forward passes; a
lone request never waits; CNNPG_BATCH_DELAY_MS is validated and waits only while other
requests are still being decoded."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
import torch
from app_settings import make_settings
from fastapi.testclient import TestClient
from pydantic import ValidationError

from inference.conftest import model_id, png
from server.inference.batch_input import PARALLEL_BYTES
from server.inference.batcher import Batcher
from server.inference.predictor import Loaded, Predictor
from server.inference.preprocess import from_manifest, prepare, prepare_many
from server.main import create_app
from server.store import ModelStore


def _mixed_digits() -> list[np.ndarray]:
    """At the model's size as they are, inverted (light paper), grey (stretched), a big
    photo of a dark stroke (cropped, placed by mass), and big noise (bytes enough for the
    parallel decode)."""
    rng = np.random.default_rng(7)
    images = []
    for i in range(24):
        image = np.zeros((28, 28), np.uint8)
        image[6 + i % 5:20, 8:12 + i % 9] = 255
        kind = i % 4
        if kind == 1:
            image = 255 - image  # dark ink on white paper: inverted
        elif kind == 2:
            image = (image // 2 + 60).astype(np.uint8)  # grey paper: stretched
        elif kind == 3:
            image = np.full((300, 200), 230, np.uint8)
            image[60:240, 90:110] = 20
        images.append(image)
    images += [rng.integers(0, 256, (300, 300), dtype=np.uint8) for _ in range(4)]
    return images


def test_a_parallel_batch_equals_one_by_one_predict(api: TestClient) -> None:
    shipped = model_id(api, "shipped")
    images = _mixed_digits()
    pngs = [png(image) for image in images]
    assert sum(len(p) for p in pngs) > PARALLEL_BYTES  # the decode pool is used
    files = [("files", (f"{i}.png", data, "image/png")) for i, data in enumerate(pngs)]
    batch = api.post(f"/api/models/{shipped}/predict/batch?top_k=10", files=files)
    assert batch.status_code == 200, batch.text
    for data, result in zip(pngs, batch.json()["results"], strict=True):
        single = api.post(f"/api/models/{shipped}/predict?top_k=10",
                          files={"file": ("x.png", data)}).json()
        assert result["preprocessing_steps"] == single["preprocessing"]["steps"]
        alone = {p["index"]: p["probability"] for p in single["predictions"]}
        together = {p["index"]: p["probability"] for p in result["predictions"]}
        assert alone.keys() == together.keys()
        for index, probability in together.items():
            assert abs(probability - alone[index]) <= 1e-6


def test_bad_files_in_a_parallel_batch_are_each_reported(api: TestClient) -> None:
    shipped = model_id(api, "shipped")
    pngs = [png(image) for image in _mixed_digits()]
    pngs[5], pngs[26] = b"not an image at all", pngs[26][:200]  # junk; a truncated PNG
    files = [("files", (f"{i}.png", data, "image/png")) for i, data in enumerate(pngs)]
    answer = api.post(f"/api/models/{shipped}/predict/batch", files=files)
    assert answer.status_code == 422, answer.text  # the worse of 415 (junk) and 422
    detail = answer.json()["detail"]
    assert [d["loc"] for d in detail] == [["files", 5], ["files", 26]]
    assert detail[0]["msg"].startswith("5.png: this looks like a text file")
    assert detail[1]["msg"].startswith("26.png: the PNG file is truncated")


def test_prepare_many_equals_prepare_image_by_image() -> None:
    dark = from_manifest({"channels": 1, "height": 28, "width": 28, "mean": [0.1307],
                          "std": [0.3081]}, "mnist")
    images = [image[..., None] for image in _mixed_digits()]
    together, steps = prepare_many(images, dark)
    alone = [prepare(image, dark) for image in images]
    assert torch.equal(together, torch.cat([p.tensor for p in alone]))
    assert steps == [p.steps for p in alone]


def test_concurrent_requests_share_forward_passes(api: TestClient) -> None:
    shipped = model_id(api, "shipped")
    predictor: Predictor = api.app.state.services.predictor  # type: ignore[attr-defined]
    passes: list[tuple[str, int, int]] = []
    predictor.on_batch = lambda model, images, requests: passes.append((model, images,
                                                                         requests))
    digits = [png(image) for image in _mixed_digits()[:8]]

    def ask(i: int) -> int:
        return api.post(f"/api/models/{shipped}/predict",
                        files={"file": ("d.png", digits[i % 8])}).status_code

    try:
        with ThreadPoolExecutor(8) as pool:
            assert set(pool.map(ask, range(64))) == {200}
    finally:
        predictor.on_batch = lambda model, images, requests: None
    assert {model for model, _, _ in passes} == {shipped}
    assert sum(images for _, images, _ in passes) == 64
    assert sum(requests for _, _, requests in passes) == 64
    assert len(passes) < 64  # some requests went through one pass together
    assert max(requests for _, _, requests in passes) > 1


@pytest.fixture(scope="module")
def loaded(models_dir: Path) -> Loaded:
    store = ModelStore(models_dir)
    return Predictor(store).get(next(p.name for p in models_dir.iterdir()
                                     if p.name.startswith("lenet")))


def _run(loaded: Loaded, delay: float, prepare_seconds: list[float], starts: list[float]
         ) -> tuple[list[tuple[int, int]], list[torch.Tensor], float]:
    """Requests i start at starts[i] and take prepare_seconds[i] to prepare; the passes
    (images, requests), each request's probabilities and the total seconds."""
    passes: list[tuple[int, int]] = []
    batcher = Batcher(loaded, 64, delay, lambda images, requests: passes.append((images,
                                                                               requests)))
    x = torch.randn(len(starts), 1, 28, 28)

    def preparing(i: int) -> Callable[[], int]:
        def prepare_i() -> int:
            time.sleep(prepare_seconds[i])
            return i
        return prepare_i

    async def one(i: int) -> torch.Tensor:
        await asyncio.sleep(starts[i])
        _, out = await batcher.prepare_and_run(preparing(i), lambda j: x[j:j + 1])
        return out[0]

    async def main() -> list[torch.Tensor]:
        return list(await asyncio.gather(*(one(i) for i in range(len(starts)))))

    started = time.perf_counter()
    results = asyncio.run(main())
    elapsed = time.perf_counter() - started
    assert torch.allclose(torch.stack(results), loaded.probabilities(x), atol=1e-6)
    return passes, results, elapsed


def test_a_lone_request_never_waits_for_the_delay(loaded: Loaded) -> None:
    passes, _, elapsed = _run(loaded, 2.0, [0.0], [0.0])
    assert passes == [(1, 1)]
    assert elapsed < 1.0


def test_the_delay_waits_only_for_requests_still_being_decoded(loaded: Loaded) -> None:
    """A's pass runs 0..0.3 s; B (ready at once) and C (0.5 s to decode) arrive meanwhile.
    Without a delay B goes alone as soon as A's pass ends; with one, B waits for C."""
    timing = ([0.3, 0.0, 0.5], [0.0, 0.05, 0.05])
    without, _, _ = _run(loaded, 0.0, *timing)
    assert without == [(1, 1), (1, 1), (1, 1)]
    with_delay, _, _ = _run(loaded, 2.0, *timing)
    assert with_delay == [(1, 1), (2, 2)]


@pytest.mark.parametrize("value", ["-1", "1001", "soon", "nan"])
def test_the_batch_delay_setting_is_validated(value: str, monkeypatch: pytest.MonkeyPatch
                                               ) -> None:
    monkeypatch.setenv("CNNPG_BATCH_DELAY_MS", value)
    from server.config import Settings
    with pytest.raises(ValidationError) as caught:
        Settings()
    assert "batch_delay_ms" in str(caught.value)


def test_the_batch_delay_reaches_the_predictor(models_dir: Path) -> None:
    app = create_app(make_settings(models_dir=models_dir, batch_delay_ms=5))
    assert app.state.services.predictor.batch_delay == pytest.approx(0.005)
    default = create_app(make_settings(models_dir=models_dir))
    assert default.state.services.predictor.batch_delay == 0


def test_predict_threads_sets_torch_threads(models_dir: Path) -> None:
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        app = create_app(make_settings(models_dir=models_dir))  # 0, the default: every core
        cores = len(os.sched_getaffinity(0))
        assert app.state.services.predictor.threads == cores
        assert torch.get_num_threads() == cores
        app = create_app(make_settings(models_dir=models_dir, predict_threads=1))
        assert app.state.services.predictor.threads == 1
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)


@pytest.mark.parametrize("value", ["-1", "257", "two"])
def test_the_predict_threads_setting_is_validated(value: str, monkeypatch: pytest.MonkeyPatch
                                                   ) -> None:
    monkeypatch.setenv("CNNPG_PREDICT_THREADS", value)
    from server.config import Settings
    with pytest.raises(ValidationError) as caught:
        Settings()
    assert "predict_threads" in str(caught.value)
