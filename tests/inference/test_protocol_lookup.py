"""How /v2 finds a model named by its id: a model already loaded, unchanged, public or the
caller's own, with its version in its manifest, is found on the event loop without listing
the store (resolving reads every manifest: ~0.5 ms a model, per request). Everything else
goes through the full resolution, with the same answers and the same refusals."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from app_settings import make_settings
from fastapi.testclient import TestClient

from inference.conftest import DENSE_ONLY
from server.main import create_app
from server.nn.build import build_model
from server.store import ModelStore
from server.store.disk import FILES


@pytest.fixture
def app_and_store(tmp_path: Path) -> Iterator[tuple[TestClient, ModelStore, list[int]]]:
    with TestClient(create_app(make_settings(models_dir=tmp_path))) as client:
        store = client.app.state.services.models  # type: ignore[attr-defined]
        listed = [0]
        entries = store.entries

        def counted() -> Any:
            listed[0] += 1
            return entries()

        store.entries = counted
        yield client, store, listed


def save(store: ModelStore, owner: str, seed: int) -> str:
    torch.manual_seed(seed)
    return store.save("mine", DENSE_ONLY, build_model(DENSE_ONLY).eval(), {
        "classes": [str(i) for i in range(10)], "owner": owner, "visibility": "private",
        "preprocessing": {"channels": 1, "height": 28, "width": 28, "mean": [0.5],
                          "std": [0.5]}})


def infer(client: TestClient, path: str, token: str) -> Any:
    pixels = np.arange(28 * 28, dtype=np.uint8).reshape(1, 28, 28, 1) % 251
    return client.post(path, headers={"Authorization": f"Bearer {token}"}, json={
        "inputs": [{"name": "input", "datatype": "UINT8", "shape": [1, 28, 28, 1],
                    "data": pixels.ravel().tolist()}]})


def session(client: TestClient) -> tuple[str, str]:
    made = client.post("/api/sessions").json()
    me = client.get("/api/sessions/me", headers={"Authorization": f"Bearer {made['token']}"})
    return made["token"], me.json()["session_id"]


def test_a_loaded_model_by_id_is_found_without_listing_the_store(
        app_and_store: tuple[TestClient, ModelStore, list[int]]) -> None:
    client, store, listed = app_and_store
    token, owner = session(client)
    model_id = save(store, owner, 1)
    first = infer(client, f"/v2/models/{model_id}/infer", token)  # loads it: resolved
    assert first.status_code == 200, first.text
    assert listed[0] >= 1
    listed[0] = 0
    again = infer(client, f"/v2/models/{model_id}/infer", token)
    versioned = infer(client, f"/v2/models/{model_id}/versions/1/infer", token)
    assert [again.status_code, versioned.status_code] == [200, 200]
    assert listed[0] == 0  # neither listed the store
    assert again.json()["outputs"] == first.json()["outputs"]
    assert (again.json()["model_version"], versioned.json()["model_version"]) == ("1", "1")
    assert client.get(f"/v2/models/{model_id}", headers={
        "Authorization": f"Bearer {token}"}).json()["versions"] == ["1"]
    assert listed[0] == 0


def test_the_loop_lookup_keeps_the_refusals_and_notices_changed_files(
        app_and_store: tuple[TestClient, ModelStore, list[int]]) -> None:
    client, store, listed = app_and_store
    token, owner = session(client)
    model_id = save(store, owner, 2)
    assert infer(client, f"/v2/models/{model_id}/infer", token).status_code == 200
    other, _ = session(client)
    hidden = infer(client, f"/v2/models/{model_id}/infer", other)  # loaded, but not theirs
    assert hidden.status_code == 404, hidden.text
    assert model_id in hidden.json()["error"]
    wrong = infer(client, f"/v2/models/{model_id}/versions/2/infer", token)
    assert wrong.status_code == 404, wrong.text
    assert "version" in wrong.json()["error"]
    listed[0] = 0
    weights = store.root / model_id / FILES[1]
    stat = weights.stat()
    os.utime(weights, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))  # changed on disk
    changed = infer(client, f"/v2/models/{model_id}/infer", token)
    assert changed.status_code == 200, changed.text  # the same bytes: its checksums pass
    assert listed[0] >= 1  # but it was resolved and loaded again, not taken from memory
