"""Your own detection data over the API: import a zip of photos with YOLO labels (both
layouts), look at it, export it and import it again, and the changes and mistakes that are
refused at the field. The boxes are checked against the pixels they were drawn around."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from server.datasets.user_fork import fork_dataset
from server.detection import own_scenes

from .own_pictures import BACKGROUND, NAMES, dataset_zip, photo


@pytest.fixture
def client(make_client: Callable[..., TestClient], tmp_path: Path) -> TestClient:
    return make_client(models_dir=tmp_path)


def session(client: TestClient) -> dict[str, str]:
    return {"Authorization": f"Bearer {client.post('/api/sessions').json()['token']}"}


def import_zip(client: TestClient, headers: dict[str, str], data: bytes,
               **fields: str) -> Any:
    return client.post("/api/datasets", headers=headers,
                       data={"name": "Shapes", "task": "detection", "size": "64", **fields},
                       files={"file": ("shapes.zip", data, "application/zip")})


def folder_of(client: TestClient, dataset_id: str) -> Path:
    return Path(client.app.state.services.user_datasets.root) / dataset_id  # type: ignore[attr-defined]


def test_a_zip_of_photos_with_yolo_labels_becomes_a_detection_dataset(
        client: TestClient) -> None:
    headers = session(client)
    photos = [photo(seed) for seed in range(20)]
    broken = {"shapes/broken.png": photos[0].png(), "shapes/broken.txt": b"0 0.5 0.5 0.2\n",
              "shapes/notes.md": b"# not a picture"}
    answer = import_zip(client, headers, dataset_zip(photos, extra=broken))
    assert answer.status_code == 201, answer.text
    found = answer.json()
    assert found["task"] == "detection"
    assert [c["name"] for c in found["classes"]] == list(NAMES)
    assert found["stored"] == 20 == found["total"]
    assert found["pictures"] == {"train": 18, "test": 2}  # a tenth held out
    assert [s["file"] for s in found["skipped"]] == ["shapes/broken.png"]
    assert "line 1 holds 4 values" in found["skipped"][0]["reason"]
    boxes_drawn = [sum(o[0] == c for p in photos for o in p.objects) for c in range(2)]
    assert [c["boxes"] for c in found["classes"]] == boxes_drawn
    assert len(found["thumbnails"]) == 8
    assert found["thumbnails"][0]["png"].startswith("data:")
    listed = client.get("/api/datasets", headers=headers).json()["datasets"]
    mine = next(d for d in listed if d["name"] == found["id"])
    assert mine["task"] == "detection"
    assert mine["counts"] == found["counts"]
    assert client.get(f"/api/datasets/{found['id']}", headers=session(client)).status_code == 404


def test_each_stored_box_surrounds_the_colour_drawn_in_the_stored_picture(
        client: TestClient) -> None:
    """Independent of the box arithmetic: find each object in the fitted 64x64 picture
    (the pixels brighter than any of the dark background's) and compare its extent with the
    stored box. Resizing blends the edge pixels: each edge agrees within a pixel."""
    photos = [photo(seed, objects=1) for seed in range(30, 40)]
    answer = import_zip(client, session(client), dataset_zip(photos))
    assert answer.status_code == 201, answer.text
    scenes = own_scenes.load(folder_of(client, answer.json()["id"]), "all", list(NAMES))
    assert scenes.images.shape == (10, 64, 64, 1)  # grey by default, fitted into 64x64
    checked = 0
    for index in range(len(scenes)):
        (box,), _ = (v.tolist() for v in scenes.targets(index))
        ink = np.argwhere(scenes.images[index][..., 0] > BACKGROUND + 8)
        (top, left), (bottom, right) = ink.min(0), ink.max(0) + 1
        edges = [box[0], box[1], box[0] + box[2], box[1] + box[3]]
        assert edges == pytest.approx([left, top, right, bottom], abs=1.0)
        checked += 1
    assert checked == 10


def test_the_ultralytics_layout_keeps_its_val_split_and_data_yaml_names(
        client: TestClient) -> None:
    headers = session(client)
    photos = [photo(seed) for seed in range(100, 115)]
    answer = import_zip(client, headers, dataset_zip(photos, "ultralytics", "data.yaml"),
                        channels="3", size="96")
    assert answer.status_code == 201, answer.text
    found = answer.json()
    assert found["pictures"] == {"train": 12, "test": 3}  # every fifth photo is in val/
    assert [c["name"] for c in found["classes"]] == list(NAMES)
    files = own_scenes.files(folder_of(client, found["id"]))
    held = own_scenes.held_out(folder_of(client, found["id"]))
    assert sorted(str(f) for f in files[held]) == sorted(
        f"images/val/{p.name}" for n, p in enumerate(photos) if n % 5 == 4)


def test_export_gives_a_zip_that_imports_again_to_the_same_boxes_and_split(
        client: TestClient) -> None:
    headers = session(client)
    first = import_zip(client, headers, dataset_zip([photo(s) for s in range(200, 212)]))
    assert first.status_code == 201, first.text
    exported = client.get(f"/api/datasets/{first.json()['id']}/export", headers=headers)
    assert exported.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(exported.content)).namelist()
    assert "classes.txt" in names
    assert any(n.startswith("labels/val/") for n in names)
    again = import_zip(client, headers, exported.content)
    assert again.status_code == 201, again.text
    assert again.json()["pictures"] == first.json()["pictures"]
    assert again.json()["counts"] == first.json()["counts"]
    one, two = (own_scenes.load(folder_of(client, a.json()["id"]), "all", list(NAMES))
                for a in (first, again))
    by_picture = {bytes(np.asarray(one.images[i])): one.targets(i) for i in range(len(one))}
    for i in range(len(two)):
        boxes, classes = by_picture[bytes(np.asarray(two.images[i]))]
        assert two.targets(i)[0] == pytest.approx(boxes, abs=1e-3)
        assert two.targets(i)[1].tolist() == classes.tolist()


def test_a_detection_dataset_is_not_changed_picture_by_picture(client: TestClient) -> None:
    headers = session(client)
    made = import_zip(client, headers, dataset_zip([photo(s) for s in range(6)])).json()
    base = f"/api/datasets/{made['id']}"
    tries = [client.post(f"{base}/images", headers=headers, data={"label": "square"},
                         files=[("files", ("a.png", photo(9).png(), "image/png"))]),
             client.post(f"{base}/classes", headers=headers, json={"name": "star"}),
             client.delete(f"{base}/classes/square", headers=headers),
             client.delete(f"{base}/images/{'0' * 32}", headers=headers)]
    for response in tries:
        assert response.status_code == 409, response.text
        assert "import the zip again" in response.json()["detail"][0]["msg"]
    assert client.get(base, headers=headers).json()["total"] == 6
    assert client.delete(base, headers=headers).status_code == 200


@pytest.mark.parametrize(("entries", "words"), [
    ({"a.png": "photo"}, "no picture has a YOLO label file"),
    ({"a.png": "photo", "a.txt": "0 0.5 0.5 0.1 0.1", "data.yaml": "names: [a\n"},
     "not readable YAML"),
    ({"readme.txt": "hello"}, "holds no pictures"),
])
def test_a_zip_that_is_not_a_detection_dataset_is_refused_and_nothing_is_kept(
        client: TestClient, entries: dict[str, str], words: str) -> None:
    headers = session(client)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, photo(1).png() if data == "photo" else data)
    answer = import_zip(client, headers, out.getvalue())
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"][0]["loc"] == ["file"]
    assert words in answer.json()["detail"][0]["msg"]
    assert not [d for d in client.get("/api/datasets", headers=headers).json()["datasets"]
                if d["kind"] == "yours"]


def test_an_empty_detection_dataset_cannot_be_made_from_json(client: TestClient) -> None:
    answer = client.post("/api/datasets", headers=session(client),
                         json={"name": "Boxes", "task": "detection"})
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["task"]
    assert "multipart" in answer.json()["detail"][0]["msg"]


def run_events(client: TestClient, headers: dict[str, str], run_id: str) -> list[Any]:
    events: list[dict[str, Any]] = []
    with client.websocket_connect(f"/ws/runs/{run_id}", headers=headers) as ws:
        assert ws.receive_json()["type"] == "snapshot"
        while not (events and events[-1]["type"] == "status"
                   and events[-1]["status"] in ("finished", "failed")):
            events.append(ws.receive_json())
    return events


@pytest.mark.slow
def test_a_detector_learns_your_objects_and_finds_them_in_a_new_photo(
        make_client: Callable[..., TestClient], tmp_path: Path) -> None:
    client = make_client(models_dir=tmp_path, max_concurrent_runs=1, stream_interval=0.05,
                         train_threads=2)
    headers = session(client)
    made = import_zip(client, headers, dataset_zip([photo(s) for s in range(300, 500)]),
                      size="96").json()
    response = client.post("/api/runs", headers=headers, json={
        "network": {"preset": "yolo-tiny-mnist"}, "dataset": made["id"],
        "training": {"epochs": 12, "batch_size": 16, "learning_rate": 0.003}})
    assert response.status_code == 201, response.text
    events = run_events(client, headers, response.json()["id"])
    assert events[-1]["status"] == "finished", events[-1]
    epochs = [e for e in events if e["type"] == "epoch"]
    assert epochs[-1]["classes"] == list(NAMES)
    assert epochs[-1]["map50"] > 0.5, [e["map50"] for e in epochs]  # big, plain shapes
    model_id = next(e for e in events if e["type"] == "model")["model_id"]
    stored = client.get(f"/api/models/{model_id}", headers=headers).json()
    assert stored["classes"] == list(NAMES)
    head = stored["spec"]["layers"][-1]
    assert (head["grid"], head["classes"]) == (6, 2)
    assert head["anchors"] != [[0.7, 1.4], [1.4, 1.7]]  # chosen from these boxes
    fresh = photo(9999, objects=1)
    found = client.post(f"/api/models/{model_id}/detect", headers=headers,
                        files={"file": ("new.png", fresh.png(), "image/png")}).json()
    best = found["detections"][0]
    label, (x0, y0, x1, y1) = fresh.objects[0]
    assert best["label"] == NAMES[label]
    assert best["picture_box"] == pytest.approx([x0, y0, x1 - x0, y1 - y0],
                                                abs=0.25 * (x1 - x0))


@pytest.mark.parametrize(("network", "loc", "words"), [
    ({"preset": "lenet5"}, ["network", "layers", 7, "type"], "not end in a detection_head"),
    ("custom", ["network", "layers", 19, "classes"], "has 2 classes"),
])
def test_runs_that_cannot_learn_your_boxes_are_refused_at_the_field(
        client: TestClient, network: Any, loc: list[Any], words: str) -> None:
    headers = session(client)
    made = import_zip(client, headers, dataset_zip([photo(s) for s in range(6)]),
                      size="96").json()
    if network == "custom":
        network = client.get("/api/presets/yolo-tiny-mnist").json()["spec"]
    answer = client.post("/api/runs", headers=headers, json={
        "network": network, "dataset": made["id"], "training": {"epochs": 1}})
    assert answer.status_code == 422, answer.text
    error = answer.json()["detail"][0]
    assert error["loc"] == loc, error
    assert words in error["msg"]


def test_the_scene_view_shows_your_pictures_with_the_grid_a_detector_would_learn(
        client: TestClient) -> None:
    headers = session(client)
    made = import_zip(client, headers, dataset_zip([photo(s) for s in range(40, 60)]),
                      size="64").json()
    view = client.get("/api/detection/scenes/train/0", headers=headers,
                      params={"dataset": made["id"]})
    assert view.status_code == 200, view.text
    scene = view.json()
    assert (scene["size"], scene["grid"]["cells"], scene["count"]) == (64, 4, 18)
    assert scene["grid"]["classes"] == list(NAMES)
    assert scene["grid"]["slot"] == ["P", "x", "y", "w", "h", "csquare", "cdisc"]
    labels = np.array(scene["labels"])
    assert labels.shape == (4, 4, 2, 7)
    assert labels[..., 0].sum() == len(scene["objects"]) > 0  # one responsible slot each
    assert {o["name"] for o in scene["objects"]} <= set(NAMES)
    past = client.get("/api/detection/scenes/test/2", headers=headers,
                      params={"dataset": made["id"]})
    assert past.status_code == 404
    assert "numbered 0 to 1" in past.text
    stranger = client.get("/api/detection/scenes/train/0", headers=session(client),
                          params={"dataset": made["id"]})
    assert stranger.status_code == 404
    plain = client.post("/api/datasets", headers=headers, json={"name": "Plain"}).json()
    wrong = client.get("/api/detection/scenes/train/0", headers=headers,
                       params={"dataset": plain["id"]})
    assert wrong.status_code == 422
    assert wrong.json()["detail"][0]["loc"] == ["query", "dataset"]
    odd = import_zip(client, headers, dataset_zip([photo(1)]), size="40")
    assert odd.status_code == 422
    assert odd.json()["detail"][0]["loc"] == ["size"]
    assert "try 32 or 48" in odd.text


def test_a_fork_of_a_detection_dataset_is_a_whole_private_copy(client: TestClient) -> None:
    teacher, student = session(client), session(client)
    made = import_zip(client, teacher, dataset_zip([photo(s) for s in range(70, 80)])).json()
    store = client.app.state.services.user_datasets  # type: ignore[attr-defined]
    student_id = client.get("/api/sessions/me", headers=student).json()["session_id"]
    copy = fork_dataset(store, store.get(made["id"]), student_id)
    assert copy.task == "detection"
    assert copy.owner == student_id
    mine = client.get(f"/api/datasets/{copy.id}", headers=student).json()
    assert (mine["counts"], mine["pictures"]) == (made["counts"], made["pictures"])
    assert mine["name"].startswith(made["name"])
    assert client.delete(f"/api/datasets/{made['id']}", headers=teacher).status_code == 200
    assert client.get(f"/api/datasets/{copy.id}", headers=student).json()["total"] == 10


def test_a_room_shows_a_detection_dataset_and_a_student_forks_it_to_the_detection_lab(
        client: TestClient) -> None:
    teacher, student = session(client), session(client)
    made = import_zip(client, teacher, dataset_zip([photo(s) for s in range(80, 90)])).json()
    code = client.post("/api/rooms", json={}, headers=teacher).json()["code"]
    assert client.post(f"/api/rooms/{code}/join", json={}, headers=student).status_code == 200
    shown = client.put(f"/api/rooms/{code}/broadcast", headers=teacher,
                       json={"kind": "dataset", "dataset_id": made["id"]})
    assert shown.status_code == 200, shown.text
    seen = client.get(f"/api/datasets/{made['id']}", headers=student).json()
    assert seen["task"] == "detection"
    assert seen["counts"] == made["counts"]
    view = client.get("/api/detection/scenes/train/0", headers=student,
                      params={"dataset": made["id"]})
    assert view.status_code == 200  # the room's members may look at its pictures
    fork = client.post(f"/api/rooms/{code}/fork", json={"what": "dataset"}, headers=student)
    assert fork.status_code == 201, fork.text
    copy = fork.json()
    assert copy["task"] == "detection"
    assert copy["total"] == 10
    assert copy["train_url"] == f"/detection?dataset={copy['dataset_id']}"
