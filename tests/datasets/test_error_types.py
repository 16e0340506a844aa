"""The errors of dataset imports, uploads and classification have a stable type that the
pages render in their own language (web/static/js/errors/data.js)."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

ROOT = Path(__file__).resolve().parents[2]
RAISED_IN = ["server/imaging/intake.py", "server/datasets/folder.py",
             "server/datasets/user_import.py", "server/datasets/user_pictures.py",
             "server/datasets/user_refusals.py", "server/detection/own_import.py",
             "server/api/routes/user_datasets.py", "server/inference/predictor.py",
             "server/api/routes/detection.py"]
CODE = re.compile(r"""code="(\w+)"|"type": "(\w+)"|Skipped\([^)]*?"(skip_\w+)\"""", re.S)


@pytest.fixture
def client(make_client: Callable[..., TestClient], tmp_path: Path) -> TestClient:
    return make_client(models_dir=tmp_path)


def test_every_type_raised_for_these_pages_has_a_renderer() -> None:
    rendered = set(re.findall(r"^\s+(\w+): \(", (ROOT / "web/static/js/errors/data.js")
                              .read_text(), re.M))
    raised = {next(g for g in m.groups() if g) for path in RAISED_IN
              for m in CODE.finditer((ROOT / path).read_text())}
    raised |= set(re.findall(r'"(skip_\w+)"', (ROOT / "server/datasets/user_refusals.py")
                             .read_text()))
    assert raised, "the pattern finds the codes"
    assert raised <= rendered, sorted(raised - rendered)


def test_a_zip_that_is_no_zip_and_a_picture_that_is_no_image_say_their_type(
        client: TestClient) -> None:
    me = {"Authorization": "Bearer " + client.post("/api/sessions").json()["token"]}
    bad = client.post("/api/datasets", headers=me, data={"name": "Broken"},
                      files={"file": ("d.zip", b"not a zip at all", "application/zip")})
    assert bad.status_code == 422
    (item,) = bad.json()["detail"]
    assert item["type"] == "zip_unreadable"
    assert item["ctx"]["task"] == "classification"
    assert item["msg"].startswith("file: not a readable zip archive")
    empty = io.BytesIO()
    with zipfile.ZipFile(empty, "w") as archive:
        archive.writestr("loose.png", b"x")
    flat = client.post("/api/datasets", headers=me, data={"name": "Flat"},
                       files={"file": ("f.zip", empty.getvalue(), "application/zip")})
    assert flat.json()["detail"][0]["type"] == "zip_no_class_folders"
