"""Bad requests to the prediction routes: each a 4xx naming the field and the fix."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from inference.conftest import model_id, png, shipped_folder

DIGIT = png(np.pad(np.full((12, 4), 255, np.uint8), 8))


def detail(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    first: dict[str, Any] = response.json()["detail"][0]
    return first


@pytest.mark.parametrize(("files", "status", "loc", "fragment"), [
    ({"file": ("a.txt", b"hello, not an image")}, 415, ["file"], "accepted formats"),
    ({"file": ("a.png", b"")}, 422, ["file"], "the file is empty"),
    ({"file": ("a.png", DIGIT[:60])}, 422, ["file"], "truncated or corrupt"),
    ({"other": ("a.png", DIGIT)}, 422, ["file"], "file is required"),
])
def test_bad_images(api: TestClient, files: dict[str, Any], status: int, loc: list[Any],
                    fragment: str) -> None:
    shipped = model_id(api, "shipped")
    found = detail(api.post(f"/api/models/{shipped}/predict", files=files), status)
    assert found["loc"] == loc
    assert fragment in found["msg"]


@pytest.mark.parametrize("query", ["top_k=0", "top_k=1001", "top_k=two", "explain=maybe"])
def test_bad_query_values(api: TestClient, query: str) -> None:
    shipped = model_id(api, "shipped")
    found = detail(api.post(f"/api/models/{shipped}/predict?{query}",
                            files={"file": ("d.png", DIGIT)}), 422)
    assert found["loc"] == ["query", query.split("=")[0]]


@pytest.mark.parametrize("name", ["no-such-model-1", "..%2F..%2Fetc", "UPPER"])
def test_unknown_models_are_404(api: TestClient, name: str) -> None:
    found = detail(api.post(f"/api/models/{name}/predict", files={"file": ("d.png", DIGIT)}),
                   404)
    assert "GET /api/models" in found["msg"] or "the API is listed at /docs" in found["msg"]


def test_oversized_uploads_and_batches(make_client: Callable[..., TestClient],
                                       models_dir: Path) -> None:
    client = make_client(models_dir=models_dir, max_upload_bytes=4096, max_batch_files=2)
    shipped = model_id(client, "shipped")
    noise = png(np.random.default_rng(0).integers(0, 255, (64, 64), dtype=np.uint8))
    assert len(noise) > 4096
    found = detail(client.post(f"/api/models/{shipped}/predict",
                               files={"file": ("n.png", noise)}), 413)
    assert "4.0 KB" in found["msg"]
    files = [("files", (f"{i}.png", DIGIT)) for i in range(3)]
    found = detail(client.post(f"/api/models/{shipped}/predict/batch", files=files), 413)
    assert found["loc"] == ["files"]
    assert "at most 2 per request" in found["msg"]


def test_a_bad_file_in_a_batch_names_it(api: TestClient) -> None:
    shipped = model_id(api, "shipped")
    files = [("files", ("good.png", DIGIT)), ("files", ("notes.txt", b"plain text")),
             ("files", ("empty.png", b""))]
    response = api.post(f"/api/models/{shipped}/predict/batch", files=files)
    assert response.status_code == 422, response.text
    problems = response.json()["detail"]
    assert [p["loc"] for p in problems] == [["files", 1], ["files", 2]]
    assert problems[0]["msg"].startswith("notes.txt: ")
    assert problems[1]["msg"].startswith("empty.png: the file is empty")


def _copy(models_dir: Path, tmp_path: Path) -> Path:
    folder = tmp_path / shipped_folder().name
    shutil.copytree(models_dir / shipped_folder().name, folder)
    return folder


def test_damaged_and_unloadable_models_are_409_and_the_server_carries_on(
        make_client: Callable[..., TestClient], models_dir: Path, tmp_path: Path) -> None:
    folder = _copy(models_dir, tmp_path)
    client = make_client(models_dir=tmp_path)
    shipped = folder.name
    assert client.post(f"/api/models/{shipped}/predict",
                       files={"file": ("d.png", DIGIT)}).status_code == 200
    weights = (folder / "weights.safetensors").read_bytes()
    (folder / "weights.safetensors").write_bytes(weights[:-100] + b"\0" * 100)
    found = detail(client.post(f"/api/models/{shipped}/predict",
                               files={"file": ("d.png", DIGIT)}), 409)
    assert "weights.safetensors fails its checksum" in found["msg"]
    listed = {m["id"]: m for m in client.get("/api/models").json()["models"]}
    assert listed[shipped]["damaged"].startswith("weights.safetensors fails")
    # A spec that no longer fits its weights, with checksums that pass: cannot be loaded.
    (folder / "weights.safetensors").write_bytes(weights)
    spec = json.loads((folder / "spec.json").read_text())
    spec["layers"][0]["filters"] = 21
    (folder / "spec.json").write_text(json.dumps(spec))
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["sha256"]["spec.json"] = hashlib.sha256((folder / "spec.json").read_bytes(
    )).hexdigest()
    (folder / "manifest.json").write_text(json.dumps(manifest))
    found = detail(client.post(f"/api/models/{shipped}/predict",
                               files={"file": ("d.png", DIGIT)}), 409)
    assert "cannot be loaded" in found["msg"]
    assert client.get("/api/health").json()["status"] == "ok"
