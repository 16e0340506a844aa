"""Where one prediction's time goes, in this process: the steps the predict route takes for
one 28x28 PNG, each called on its own and timed interleaved with the others (the HTTP
framework's share is the floor app's latency, measured over HTTP by bench/predict.py)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from bench.harness import interleaved, median
from bench.predict_client import Digits
from server.config import Settings
from server.imaging import IntakeLimits, decode_image
from server.inference.answers import top_k
from server.inference.batch_input import prepare_batch
from server.inference.predictor import Predictor
from server.inference.preprocess import describe, prepare
from server.store import ModelStore


def _predictor(models_dir: Path) -> tuple[Predictor, IntakeLimits]:
    settings = Settings()
    limits = IntakeLimits(max_bytes=settings.max_upload_bytes,
                          max_pixels=settings.max_image_pixels)
    return Predictor(ModelStore(models_dir), settings.loaded_models,
                     settings.max_batch_files), limits


def sections(models_dir: Path, model_id: str, digits: Digits,
             repeats: int) -> list[tuple[str, float]]:
    """(step, median ms) for the steps of one single-image prediction, in route order."""
    predictor, limits = _predictor(models_dir)
    loaded = predictor.get(model_id)
    data = digits.pngs[0]
    pixels = decode_image(data, limits, "file").pixels
    prepared = prepare(pixels, loaded.preprocessing)
    probabilities = loaded.probabilities(prepared.tensor)[0]
    predictions = top_k(loaded, probabilities, 5)
    answer: dict[str, Any] = {"model_id": model_id, "predictions": predictions,
                              "preprocessing": describe(loaded.preprocessing, prepared),
                              "time_ms": 1.0}

    def forward() -> None:
        with torch.inference_mode():
            loaded.model(prepared.tensor)

    steps: list[tuple[str, Callable[[], object]]] = [
        ("predictor.get (model lookup, store entry check)", lambda: predictor.get(model_id)),
        ("decode_image (PNG -> pixels)", lambda: decode_image(data, limits, "file")),
        ("prepare (stored preprocessing -> tensor)",
         lambda: prepare(pixels, loaded.preprocessing)),
        ("probabilities (forward + softmax, inference_mode)",
         lambda: loaded.probabilities(prepared.tensor)),
        ("  of which the bare model(x)", forward),
        ("top_k + describe", lambda: (top_k(loaded, probabilities, 5),
                                      describe(loaded.preprocessing, prepared))),
        ("JSON encoding of the answer", lambda: json.dumps(answer).encode()),
    ]
    samples = interleaved([fn for _, fn in steps], repeats, warmup=5)
    return [(name, median(ms)) for (name, _), ms in zip(steps, samples, strict=True)]


def batch_sections(models_dir: Path, model_id: str, digits: Digits, repeats: int,
                   size: int = 64) -> list[tuple[str, float]]:
    """(step, median ms) for the steps of one /predict/batch of `size` files."""
    predictor, limits = _predictor(models_dir)
    loaded = predictor.get(model_id)
    files = digits.pngs[:size]

    named = [(f"{k}.png", data) for k, data in enumerate(files)]

    def decode_prepare() -> torch.Tensor:  # as /predict/batch does: decode, prepare at once
        return prepare_batch(named, limits, loaded.preprocessing).held[0]

    x = decode_prepare()
    probabilities = loaded.probabilities(x)

    def forward() -> None:
        with torch.inference_mode():
            loaded.model(x)

    steps: list[tuple[str, Callable[[], object]]] = [
        ("predictor.get (model lookup, store entry check)", lambda: predictor.get(model_id)),
        (f"prepare_batch (decode + prepare_many), {size} files", decode_prepare),
        (f"probabilities of ({size},1,28,28) (forward + softmax)",
         lambda: loaded.probabilities(x)),
        ("  of which the bare model(x)", forward),
        (f"top_k, {size} rows", lambda: [top_k(loaded, row, 5) for row in probabilities]),
    ]
    samples = interleaved([fn for _, fn in steps], repeats, warmup=3)
    return [(name, median(ms)) for (name, _), ms in zip(steps, samples, strict=True)]
