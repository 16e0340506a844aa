"""The /api/models routes: list, details, rename, delete, export (zip, ONNX) and import."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import onnxruntime
import pytest
from fastapi.testclient import TestClient
from inference.conftest import png, shipped_folder

ONE = np.pad(np.full((14, 4), 255, np.uint8), ((7, 7), (12, 12)))  # a "1", 28x28
DIGIT = png(ONE)


@pytest.fixture
def own(make_client: Callable[..., TestClient], tmp_path: Path) -> tuple[TestClient, str]:
    """A private store with the shipped model and a copy that can be changed."""
    shutil.copytree(shipped_folder(), tmp_path / shipped_folder().name)
    client = make_client(models_dir=tmp_path)
    exported = client.get(f"/api/models/{shipped_folder().name}/export")
    copy = client.post("/api/models/import", files={"file": ("m.zip", exported.content)})
    assert copy.status_code == 201, copy.text
    return client, copy.json()["id"]


def test_listing_and_details(own: tuple[TestClient, str]) -> None:
    client, copy = own
    rows = {r["id"]: r for r in client.get("/api/models").json()["models"]}
    shipped = rows[shipped_folder().name]
    assert shipped["shipped"] is True
    assert rows[copy]["shipped"] is False
    assert shipped["test_accuracy"] >= 0.97
    assert shipped["classes"] == [str(i) for i in range(10)]
    details = client.get(f"/api/models/{copy}").json()
    assert details["summary"]["total_params"] == 1_256_080
    assert details["summary"]["layers"][0]["output_shape"] == [20, 28, 28]
    assert details["manifest"]["imported_from"] == shipped_folder().name


def test_rename_and_describe(own: tuple[TestClient, str]) -> None:
    client, copy = own
    answer = client.patch(f"/api/models/{copy}", json={"name": "My digits",
                                                        "description": "a copy"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["name"] == "My digits"
    assert answer.json()["description"] == "a copy"
    assert client.get(f"/api/models/{copy}").json()["name"] == "My digits"
    shipped = shipped_folder().name
    refused = client.patch(f"/api/models/{shipped}", json={"name": "mine now"})
    assert refused.status_code == 403
    assert "export it and import a copy" in refused.json()["detail"][0]["msg"]


@pytest.mark.parametrize(("body", "loc", "fragment"), [
    ({}, ["body"], "nothing to change"),
    ({"name": ""}, ["name"], "200"),
    ({"name": "x" * 201}, ["name"], "200"),
    ({"description": "d" * 2001}, ["description"], "2000"),
    ({"name": "ok", "owner": "me"}, ["owner"], "not a known field"),
])
def test_bad_patches(own: tuple[TestClient, str], body: dict[str, str], loc: list[str],
                     fragment: str) -> None:
    client, copy = own
    answer = client.patch(f"/api/models/{copy}", json=body)
    assert answer.status_code == 422, answer.text
    problem = answer.json()["detail"][0]
    assert problem["loc"][-len(loc):] == loc
    assert fragment in problem["msg"]


def test_delete(own: tuple[TestClient, str]) -> None:
    client, copy = own
    assert client.post(f"/api/models/{copy}/predict",
                       files={"file": ("d.png", DIGIT)}).status_code == 200  # now cached
    assert client.delete(f"/api/models/{copy}").status_code == 204
    assert client.get(f"/api/models/{copy}").status_code == 404
    assert client.post(f"/api/models/{copy}/predict",
                       files={"file": ("d.png", DIGIT)}).status_code == 404
    assert client.delete(f"/api/models/{copy}").status_code == 404
    assert client.delete(f"/api/models/{shipped_folder().name}").status_code == 403


def test_an_exported_and_imported_model_predicts_the_same(own: tuple[TestClient, str]) -> None:
    client, copy = own
    ask = {"file": ("d.png", DIGIT)}
    a = client.post(f"/api/models/{shipped_folder().name}/predict?top_k=10", files=ask).json()
    b = client.post(f"/api/models/{copy}/predict?top_k=10", files=ask).json()
    assert a["predictions"] == b["predictions"]


def test_onnx_export_runs_in_onnx_runtime_like_the_api(own: tuple[TestClient, str]) -> None:
    client, copy = own
    answer = client.get(f"/api/models/{copy}/export?format=onnx")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/onnx"
    session = onnxruntime.InferenceSession(answer.content)
    x = ((ONE.astype(np.float32) / 255 - 0.1307) / 0.3081).reshape(1, 1, 28, 28)
    (probabilities,) = session.run(None, {"input": x})
    api = client.post(f"/api/models/{copy}/predict?top_k=10",
                      files={"file": ("d.png", DIGIT)}).json()["predictions"]
    for p in api:
        assert probabilities[0, p["index"]] == pytest.approx(p["probability"], abs=1e-5)
    bad = client.get(f"/api/models/{copy}/export?format=pickle")
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["query", "format"]


def test_imports_that_are_refused(make_client: Callable[..., TestClient],
                                  tmp_path: Path) -> None:
    client = make_client(models_dir=tmp_path, max_model_bytes=1024 * 1024)
    not_zip = client.post("/api/models/import", files={"file": ("m.zip", b"PK? no")})
    assert not_zip.status_code in (415, 422)
    assert not_zip.json()["detail"][0]["loc"] == ["file"]
    huge = client.post("/api/models/import", files={"file": ("m.zip", b"0" * 2 * 1024 * 1024)})
    assert huge.status_code == 413
    assert "CNNPG_MAX_MODEL_BYTES" in huge.json()["detail"][0]["msg"]
    assert client.get("/api/models").json()["models"] == []
