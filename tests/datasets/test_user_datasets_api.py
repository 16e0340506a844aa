"""Your own datasets over the API: create, add (stored and skipped with reasons), import a
zip of class folders, look, delete, export and import again; private to the session;
quotas; hostile zips."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from pictures import noise, png

from server.datasets.normalize import normalize


@pytest.fixture
def client(make_client: Callable[..., TestClient], tmp_path: Path) -> TestClient:
    return make_client(models_dir=tmp_path)


def session(client: TestClient) -> dict[str, str]:
    token = client.post("/api/sessions").json()["token"]
    return {"Authorization": f"Bearer {token}"}


def pictures(count: int, seed: int = 0, side: int = 40) -> list[bytes]:
    return [png(noise(side, side, 3, seed=seed * 1000 + i)) for i in range(count)]


def add(client: TestClient, headers: dict[str, str], dataset_id: str, label: str,
        files: list[tuple[str, bytes]]) -> dict[str, Any]:
    answer = client.post(f"/api/datasets/{dataset_id}/images", headers=headers,
                         data={"label": label},
                         files=[("files", (name, data, "application/octet-stream"))
                                for name, data in files])
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def make_zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_create_add_look_and_delete(client: TestClient) -> None:
    me, other = session(client), session(client)
    made = client.post("/api/datasets", headers=me, json={
        "name": "Cats and dogs", "classes": ["cat", "dog"], "size": 24, "channels": 3})
    assert made.status_code == 201, made.text
    dataset_id = made.json()["id"]
    assert made.json()["counts"] == {"cat": 0, "dog": 0}
    cats = pictures(3)
    answer = add(client, me, dataset_id, "cat", [
        *[(f"c{i}.png", p) for i, p in enumerate(cats)],
        ("notes.txt", b"hello"), ("tiny.png", png(noise(4, 4, 3))), ("again.png", cats[0])])
    assert answer["stored"] == 3
    reasons = {s["file"]: s["reason"] for s in answer["skipped"]}
    assert reasons["notes.txt"].startswith("not an image")
    assert reasons["tiny.png"].startswith("too small: 4x4 pixels")
    assert reasons["again.png"] == "duplicate: the same file is already in class 'cat'"
    # Each reason also has a type and its values, for a page to word it in its language.
    coded = {s["file"]: (s["type"], s["ctx"]) for s in answer["skipped"]}
    assert coded["tiny.png"] == ("skip_too_small", {"width": 4, "height": 4, "min": 8})
    assert coded["again.png"] == ("skip_duplicate", {"class": "cat"})
    assert coded["notes.txt"][0] == "skip_unreadable"
    assert coded["notes.txt"][1]["error"] == "image_unsupported"
    assert coded["notes.txt"][1]["error_ctx"]["kind"] == "text"
    add(client, me, dataset_id, "bird", [("b.png", pictures(1, seed=5)[0])])  # a new class
    shown = client.get(f"/api/datasets/{dataset_id}", headers=me).json()
    assert shown["counts"] == {"cat": 3, "dog": 0, "bird": 1}
    assert len(shown["classes"][0]["thumbnails"]) == 3
    listed = client.get("/api/datasets", headers=me).json()["datasets"]
    assert [d["id"] for d in listed if d["kind"] == "yours"] == [dataset_id]
    assert listed[-1]["input_shape"] == [3, 24, 24]
    # Another session: the same 404 as an unknown id, and not in its list.
    assert client.get(f"/api/datasets/{dataset_id}", headers=other).status_code == 404
    assert client.delete(f"/api/datasets/{dataset_id}", headers=other).status_code == 404
    assert all(d["kind"] == "builtin" for d in
               client.get("/api/datasets", headers=other).json()["datasets"])
    image_id = shown["classes"][0]["thumbnails"][0]["image_id"]
    assert client.delete(f"/api/datasets/{dataset_id}/images/{image_id}",
                         headers=me).status_code == 200
    gone = client.delete(f"/api/datasets/{dataset_id}/classes/bird", headers=me).json()
    assert gone["images"] == 1
    assert client.get(f"/api/datasets/{dataset_id}", headers=me).json()["counts"] == {
        "cat": 2, "dog": 0}
    assert client.delete(f"/api/datasets/{dataset_id}", headers=me).status_code == 200
    assert client.get(f"/api/datasets/{dataset_id}", headers=me).status_code == 404


def test_a_zip_of_class_folders_imports_and_exports_back(client: TestClient) -> None:
    me = session(client)
    entries = {f"mydata/{label}/{i}.png": p for label, seed in (("ones", 1), ("twos", 2))
               for i, p in enumerate(pictures(6, seed))}
    entries["mydata/ones/readme.md"] = b"# not a picture"
    entries["mydata/.DS_Store"] = b"junk"
    answer = client.post("/api/datasets", headers=me, data={"name": "Digits", "size": "16"},
                         files={"file": ("d.zip", make_zip(entries), "application/zip")})
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["counts"] == {"ones": 6, "twos": 6}
    assert body["stored"] == 12
    assert body["skipped"] == [{"file": "mydata/ones/readme.md", "reason": (
        "not an image: its name does not end in .png, .jpg, .jpeg, .webp, .bmp, .gif or "
        ".tif"), "type": "skip_not_image_name", "ctx": {}}]
    exported = client.get(f"/api/datasets/{body['id']}/export", headers=me)
    assert exported.status_code == 200
    again = client.post("/api/datasets", headers=me, data={"size": "16"},
                        files={"file": ("e.zip", exported.content, "application/zip")})
    assert again.json()["counts"] == body["counts"]
    first = client.get(f"/api/datasets/{body['id']}", headers=me).json()
    second = client.get(f"/api/datasets/{again.json()['id']}", headers=me).json()
    for before, after in zip(first["classes"], second["classes"], strict=True):
        assert {t["png"] for t in before["thumbnails"]} == {
            t["png"] for t in after["thumbnails"]}, "the same pictures back, pixel for pixel"


def test_a_zip_import_takes_channels_as_a_form_field(client: TestClient) -> None:
    """Form fields are text: "3" (as the Datasets page sends it) means 3 channels."""
    me = session(client)
    entries = {f"{label}/{i}.png": p for label, seed in (("a", 1), ("b", 2))
               for i, p in enumerate(pictures(2, seed))}
    for channels in ("1", "3"):
        answer = client.post("/api/datasets", headers=me, data={"size": "16",
                             "channels": channels},
                             files={"file": ("d.zip", make_zip(entries), "application/zip")})
        assert answer.status_code == 201, answer.text
        described = client.get(f"/api/datasets/{answer.json()['id']}", headers=me).json()
        assert described["channels"] == int(channels)
    bad = client.post("/api/datasets", headers=me, data={"channels": "2"},
                      files={"file": ("d.zip", make_zip(entries), "application/zip")})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["channels"]


@pytest.mark.parametrize(("entries", "status", "words"), [
    ({"../evil/1.png": b"x", "a/1.png": b"y"}, 422, "would escape"),
    ({"a/1.png": b"\0" * 2_000_000, "b/1.png": b"y"}, 413, "zip bomb"),
    ({"loose.png": b"x"}, 422, "no class folders"),
])
def test_hostile_or_empty_zips_are_refused_whole(client: TestClient, entries: dict[str, bytes],
                                                 status: int, words: str) -> None:
    me = session(client)
    answer = client.post("/api/datasets", headers=me,
                         files={"file": ("z.zip", make_zip_deflated(entries), "application/zip")})
    assert answer.status_code == status, answer.text
    assert words in answer.json()["detail"][0]["msg"]
    listed = client.get("/api/datasets", headers=me).json()["datasets"]
    assert not [d for d in listed if d["kind"] == "yours"], "nothing half-made is left"


def make_zip_deflated(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_quotas_and_bad_fields(make_client: Callable[..., TestClient], tmp_path: Path) -> None:
    client = make_client(models_dir=tmp_path, session_max_datasets=1, dataset_max_images=10)
    me = session(client)
    dataset_id = client.post("/api/datasets", headers=me, json={"name": "A"}).json()["id"]
    second = client.post("/api/datasets", headers=me, json={"name": "B"})
    assert second.status_code == 429
    assert "CNNPG_SESSION_MAX_DATASETS" in second.json()["detail"][0]["msg"]
    answer = add(client, me, dataset_id, "x", [(f"{i}.png", p)
                                                for i, p in enumerate(pictures(12))])
    assert answer["stored"] == 10
    assert [s["reason"][:12] for s in answer["skipped"]] == ["over a limit"] * 2
    for body, loc in (({"channels": 2}, "channels"), ({"size": 4}, "size"),
                      ({"classes": ["a", "a"]}, "classes"), ({"fit": "zoom"}, "fit")):
        bad = client.post("/api/datasets", headers=session(client), json=body)
        assert bad.status_code == 422, body
        assert bad.json()["detail"][0]["loc"][-1] == loc, bad.json()


def test_pad_keeps_the_whole_picture_on_its_border_colour_and_crop_the_centre() -> None:
    wide = np.full((10, 20, 1), 200, np.uint8)  # a grey picture twice as wide as high
    wide[:, 8:12] = 0  # a black bar in the middle
    padded = normalize(wide, 20, 1, "pad")
    assert padded.shape == (20, 20, 1)
    assert padded[0, 0, 0] == 200, "padding takes the border's colour"
    assert padded[10, 10, 0] == 0, "the bar is still in the middle"
    cropped = normalize(wide, 10, 1, "crop")
    assert cropped.shape == (10, 10, 1)
    assert cropped[:, 3:7, 0].max() == 0, "the centre square holds the bar"
    assert normalize(np.zeros((8, 8, 3), np.uint8), 8, 1, "pad").shape == (8, 8, 1)
