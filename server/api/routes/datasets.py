"""Datasets: what is available, and sample thumbnails."""

from __future__ import annotations

import base64
from typing import Annotated, Any, Literal

import numpy as np
import torch
from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool

from server.api.deps import IdentityDep, ServicesDep
from server.datasets.registry import KNOWN, DatasetRegistry
from server.detection import own_scenes
from server.imaging.codec import encode_png
from server.training.data import augment_batch, to_tensor
from server.training.probes import to_png_data_url
from server.training.spec import Augment

router = APIRouter(tags=["datasets"])


@router.get("/api/datasets", summary="Known datasets, their classes, counts and presence; "
            "then yours")
async def list_datasets(services: ServicesDep, identity: IdentityDep) -> dict[str, Any]:
    """The built-in and downloadable datasets, then the ones your session made (`kind`
    "yours", `name` is the id that runs take as their `dataset`; `task` "detection" for
    pictures with boxes, whose `counts` are boxes per class and `total` pictures)."""
    registry, store = services.datasets, services.user_datasets

    def listing() -> list[dict[str, Any]]:
        items = [{**registry.describe(name), "kind": "builtin"} for name in KNOWN]
        for record in store.owned_by(identity.session_id):
            counts = store.counts(record)  # a detection dataset: boxes per class
            total = (own_scenes.picture_count(store.root / record.id)
                     if record.task == "detection" else sum(counts.values()))
            items.append({"name": record.id, "id": record.id, "title": record.name,
                          "kind": "yours", "present": True, "classes": [
                              {"index": i, "name": c.name} for i, c in enumerate(
                                  record.classes)],
                          "counts": counts, "total": total,
                          "input_shape": [record.channels, record.size, record.size],
                          "fit": record.fit, "task": record.task})
        return items

    return {"datasets": await run_in_threadpool(listing)}


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


def _augmented(registry: DatasetRegistry, name: str, n: int, seed: int,
               augment: Augment) -> list[dict[str, Any]]:
    images, labels = registry.load(name, "train")
    pre = registry.info(name).preprocessing
    picks = np.random.default_rng(seed).choice(len(labels), size=min(n, len(labels)),
                                               replace=False)
    x = to_tensor(images[picks], pre)
    warped = augment_batch(x, augment, torch.Generator().manual_seed(seed))
    return [{"index": int(i), "original": to_png_data_url(x[k], pre),
             "augmented": to_png_data_url(warped[k], pre)} for k, i in enumerate(picks)]


@router.get("/api/datasets/{name}/augmented", summary="Training images before and after "
            "augmentation")
async def augmented_samples(
    name: str, services: ServicesDep,
    horizontal_flip: bool = False,
    shift: Annotated[float, Query(ge=0.0, le=0.3)] = 0.0,
    rotation: Annotated[float, Query(ge=0.0, le=45.0)] = 0.0,
    scale: Annotated[float, Query(ge=0.0, le=0.3)] = 0.0,
    n: Annotated[int, Query(ge=1, le=32)] = 8,
    seed: Annotated[int, Query(ge=0, le=2**31)] = 0,
) -> dict[str, Any]:
    """What the augmentation toggles do (the same fields as a run's `training.augment`):
    `n` seeded training images, each as it is and as one random draw of the augmentation
    shows it to the network."""
    augment = Augment(horizontal_flip=horizontal_flip, shift=shift, rotation=rotation,
                      scale=scale)
    registry = services.datasets
    registry.info(name)
    items = await run_in_threadpool(_augmented, registry, name, n, seed, augment)
    return {"dataset": name, "augment": augment.model_dump(), "samples": items}
