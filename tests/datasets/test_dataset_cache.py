"""Decoded dataset splits held by the server are bounded by bytes (CNNPG_DATASET_CACHE_BYTES),
least recently used out."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from server.config import Settings
from server.datasets.registry import DatasetRegistry

SPLITS = [("mnist", "train"), ("mnist", "test"), ("fashion-mnist", "train"),
          ("fashion-mnist", "test")]


def _sizes() -> dict[tuple[str, str], int]:
    registry = DatasetRegistry(Settings().datasets_dir)
    return {key: sum(a.nbytes for a in registry.load(*key)) for key in SPLITS}


def test_sample_requests_keep_the_decoded_splits_under_the_cap(
        make_client: Callable[..., TestClient]) -> None:
    sizes = _sizes()
    cap = max(sizes.values()) + min(sizes.values()) // 2  # the largest split fits, not two
    client = make_client(dataset_cache_bytes=cap)
    registry = client.app.state.services.datasets  # type: ignore[attr-defined]
    for name, split in SPLITS * 2:
        response = client.get(f"/api/datasets/{name}/samples?split={split}&n=2")
        assert response.status_code == 200, response.text
        assert registry.held_bytes() <= cap
    assert sum(sizes.values()) > cap  # without the cap all four would be held
    # Least recently used out: the three newest fit, MNIST's train split (the oldest) went.
    assert registry.held_bytes() == sum(sizes[key] for key in SPLITS[1:])
