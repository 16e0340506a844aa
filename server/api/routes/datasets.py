"""Datasets: what is available, and sample thumbnails."""

from __future__ import annotations

import base64
from typing import Annotated, Any, Literal

import numpy as np
from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool

from server.api.deps import ServicesDep
from server.datasets.registry import KNOWN, DatasetRegistry
from server.imaging.codec import encode_png

router = APIRouter(tags=["datasets"])


@router.get("/api/datasets", summary="Known datasets, their classes, counts and presence")
async def list_datasets(services: ServicesDep) -> dict[str, Any]:
    registry = services.datasets
    items = await run_in_threadpool(lambda: [registry.describe(name) for name in KNOWN])
    return {"datasets": items}


def _samples(registry: DatasetRegistry, name: str, split: str, n: int, seed: int) -> list[
        dict[str, Any]]:
    images, labels = registry.load(name, split)
    classes = registry.info(name).classes
    picks = np.random.default_rng(seed).choice(len(labels), size=min(n, len(labels)),
                                               replace=False)
    return [{"index": int(i), "label": int(labels[i]), "class_name": classes[labels[i]],
             "png": "data:image/png;base64," + base64.b64encode(
                 encode_png(images[i], compression=6)).decode()} for i in picks]


@router.get("/api/datasets/{name}/samples", summary="Sample images as PNG data URLs")
async def dataset_samples(
    name: str, services: ServicesDep,
    split: Literal["train", "test"] = "train",
    n: Annotated[int, Query(ge=1, le=100)] = 16,
    seed: Annotated[int, Query(ge=0, le=2**31)] = 0,
) -> dict[str, Any]:
    """`n` random images (seeded, so the same call returns the same images)."""
    registry = services.datasets
    registry.info(name)
    samples = await run_in_threadpool(_samples, registry, name, split, n, seed)
    return {"dataset": name, "split": split, "seed": seed, "samples": samples}
