"""Every image cache has a byte cap: previews and float copies of samples and uploads are
bounded together (CNNPG_PREVIEW_CACHE_BYTES), least recently used out."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from fastapi.testclient import TestClient
from pictures import noise, png

from server.imaging.cache import ByteCache

CAP = 1024 * 1024
SPEC = {"steps": [{"kernel": "box_blur_3"}]}


def test_a_hundred_preview_sizes_stay_under_the_cap(
        make_client: Callable[..., TestClient]) -> None:
    client = make_client(preview_cache_bytes=CAP)
    store = client.app.state.services.images  # type: ignore[attr-defined]
    made = 0
    for side in range(16, 116):  # astronaut is 512x512: every size is a new preview
        body = {"source": {"sample": "astronaut"}, "spec": SPEC, "x": 0, "y": 0,
                "preview_max_side": side}
        response = client.post("/api/kernels/explain", json=body)
        assert response.status_code == 200, response.text
        made += side * side * 3 * 5  # the uint8 preview and its float32 copy
        held = store.held()
        assert held["previews"] <= CAP, (side, held)
    assert made > 5 * CAP  # without a cap they would all still be held
    assert store.held()["previews"] > CAP // 2  # the cache is used, not just emptied


def test_an_uploads_copies_go_with_it(make_client: Callable[..., TestClient]) -> None:
    client = make_client(preview_cache_bytes=CAP)
    store = client.app.state.services.images  # type: ignore[attr-defined]
    image_id = client.post("/api/images", files={"file": ("a.png", png(noise(200, 300)))}
                           ).json()["image_id"]
    body = {"source": {"image_id": image_id}, "spec": SPEC, "x": 0, "y": 0,
            "preview_max_side": 100}
    assert client.post("/api/kernels/explain", json=body).status_code == 200
    assert store.held()["previews"] > 0
    assert client.delete(f"/api/images/{image_id}").status_code in (200, 204)
    assert store.held()["previews"] == 0


def test_least_recently_used_goes_first_and_an_oversized_array_is_not_kept() -> None:
    cache = ByteCache(3000)
    for name in "abc":
        cache.get_or_make(("img", name), lambda: np.zeros(1000, np.uint8))
    cache.get_or_make(("img", "a"), lambda: np.ones(1000, np.uint8))  # a hit: a is fresh
    cache.get_or_make(("img", "d"), lambda: np.zeros(1000, np.uint8))
    assert cache.get_or_make(("img", "a"), lambda: np.ones(1, np.uint8)).size == 1000
    assert cache.get_or_make(("img", "b"), lambda: np.ones(7, np.uint8)).size == 7  # evicted
    big = cache.get_or_make(("img", "huge"), lambda: np.zeros(5000, np.uint8))
    assert big.size == 5000
    assert cache.nbytes <= 3000
    assert len(cache) == 3
