"""A dataset broadcast in a room: only its teacher's own may be shown; the room's members may
look at it (others get the 404 of an unknown id); a fork is an exact, independent private
copy that counts against the student's dataset and byte quotas."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pictures import noise, png

from .fixtures import session

Headers = dict[str, str]
SIDE = 20  # the datasets' size: a PNG of noise at this size is kept as it came


@pytest.fixture
def client(make_client: Callable[..., TestClient], tmp_path: Path) -> TestClient:
    return make_client(models_dir=tmp_path)


def make_dataset(client: TestClient, who: Headers, name: str = "Leaves",
                 pictures: dict[str, int] | None = None, seed: int = 0) -> str:
    """A dataset with these pictures per class (and an empty class 'later' at the end)."""
    pictures = {"oak": 3, "maple": 2} if pictures is None else pictures
    made = client.post("/api/datasets", headers=who, json={
        "name": name, "classes": [*pictures, "later"], "size": SIDE, "channels": 3})
    assert made.status_code == 201, made.text
    dataset_id = str(made.json()["id"])
    for k, (label, count) in enumerate(pictures.items()):
        add(client, who, dataset_id, label, count, seed=seed * 100 + k * 10)
    return dataset_id


def add(client: TestClient, who: Headers, dataset_id: str, label: str, count: int,
        seed: int) -> Any:
    files = [("files", (f"{label}{i}.png", png(noise(SIDE, SIDE, 3, seed=seed + i)),
                        "image/png")) for i in range(count)]
    return client.post(f"/api/datasets/{dataset_id}/images", headers=who,
                       data={"label": label}, files=files)


def room_showing(client: TestClient, teacher: Headers, dataset_id: str | None,
                 *students: Headers) -> str:
    code = str(client.post("/api/rooms", json={}, headers=teacher).json()["code"])
    for student in students:
        assert client.post(f"/api/rooms/{code}/join", json={}, headers=student).status_code == 200
    if dataset_id is not None:
        shown = client.put(f"/api/rooms/{code}/broadcast", headers=teacher,
                           json={"kind": "dataset", "dataset_id": dataset_id})
        assert shown.status_code == 200, shown.text
    return code


def fork(client: TestClient, code: str, who: Headers) -> Any:
    return client.post(f"/api/rooms/{code}/fork", json={"what": "dataset"}, headers=who)


def exported(client: TestClient, who: Headers, dataset_id: str) -> dict[str, bytes]:
    """The dataset's pictures by `class/image id.png`, read back from its export zip."""
    answer = client.get(f"/api/datasets/{dataset_id}/export", headers=who)
    assert answer.status_code == 200, answer.text
    with zipfile.ZipFile(io.BytesIO(answer.content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_members_see_the_shown_dataset_and_no_one_else_does(client: TestClient) -> None:
    teacher, ada, stranger = session(client), session(client), session(client)
    dataset_id = make_dataset(client, teacher)
    code = room_showing(client, teacher, None, ada)
    assert client.get(f"/api/datasets/{dataset_id}", headers=ada).status_code == 404
    room = client.put(f"/api/rooms/{code}/broadcast", headers=teacher,
                      json={"kind": "dataset", "dataset_id": dataset_id}).json()
    assert room["broadcast"]["kind"] == "dataset"
    assert room["broadcast"]["dataset_id"] == dataset_id
    assert room["broadcast"]["title"] == "Leaves"
    assert client.get(f"/api/rooms/{code}", headers=ada).json()["broadcast"] == room["broadcast"]

    seen = client.get(f"/api/datasets/{dataset_id}", headers=ada)
    assert seen.status_code == 200, seen.text
    assert seen.json() == client.get(f"/api/datasets/{dataset_id}", headers=teacher).json()
    assert seen.json()["counts"] == {"oak": 3, "maple": 2, "later": 0}
    assert [len(c["thumbnails"]) for c in seen.json()["classes"]] == [3, 2, 0]

    unknown = client.get("/api/datasets/ds-000000000000", headers=stranger).json()["detail"]
    hidden = client.get(f"/api/datasets/{dataset_id}", headers=stranger)
    assert hidden.status_code == 404
    assert hidden.json()["detail"][0]["msg"] == unknown[0]["msg"].replace(
        "ds-000000000000", dataset_id)
    # the student may look, not change: 403 names the fix
    refused = [add(client, ada, dataset_id, "oak", 1, seed=900),
               client.delete(f"/api/datasets/{dataset_id}", headers=ada),
               client.delete(f"/api/datasets/{dataset_id}/classes/oak", headers=ada),
               client.get(f"/api/datasets/{dataset_id}/export", headers=ada)]
    assert [r.status_code for r in refused] == [403] * 4
    assert "fork it on the room page" in refused[0].json()["detail"][0]["msg"]
    assert client.get(f"/api/datasets/{dataset_id}", headers=teacher).json()["total"] == 5

    client.post(f"/api/rooms/{code}/close", headers=teacher)
    assert client.get(f"/api/datasets/{dataset_id}", headers=ada).status_code == 404


def test_only_the_teachers_own_dataset_can_be_shown(client: TestClient) -> None:
    teacher, bob, carol = session(client), session(client), session(client)
    code = room_showing(client, teacher, None, bob)

    def show(who: Headers, room: str, **body: Any) -> Any:
        return client.put(f"/api/rooms/{room}/broadcast", headers=who,
                          json={"kind": "dataset", **body})

    missing = show(teacher, code)
    assert missing.status_code == 422
    assert missing.json()["detail"][0]["loc"][-1] == "dataset_id"
    assert show(teacher, code, dataset_id="ds-000000000000").status_code == 404
    bobs = make_dataset(client, bob, "Bob's")
    assert show(teacher, code, dataset_id=bobs).status_code == 404  # private to Bob
    assert show(bob, code, dataset_id=bobs).status_code == 403  # Bob is no teacher here
    # what a room shows Bob cannot be passed on through a room of his own
    teachers = make_dataset(client, teacher)
    assert show(teacher, code, dataset_id=teachers).status_code == 200
    second = room_showing(client, bob, None, carol)
    relay = show(bob, second, dataset_id=teachers)
    assert relay.status_code == 403
    assert "not yours to show" in relay.json()["detail"][0]["msg"]
    assert client.get(f"/api/datasets/{teachers}", headers=carol).status_code == 404


def test_a_fork_is_an_exact_copy_that_is_the_students_own(client: TestClient) -> None:
    teacher, ada = session(client), session(client)
    source = make_dataset(client, teacher, pictures={"oak": 4, "maple": 3, "pine": 1})
    code = room_showing(client, teacher, source, ada)
    answer = fork(client, code, ada)
    assert answer.status_code == 201, answer.text
    copy = answer.json()
    forked = copy["dataset_id"]
    assert forked != source
    assert copy["name"] == "Leaves (fork)"
    assert copy["classes"] == ["oak", "maple", "pine", "later"]
    assert copy["counts"] == {"oak": 4, "maple": 3, "pine": 1, "later": 0}
    assert copy["datasets_url"] == f"/datasets#open={forked}"
    assert copy["train_url"] == f"/training?dataset={forked}&preset=lenet-mnist"
    mine = [d for d in client.get("/api/datasets", headers=ada).json()["datasets"]
            if d["kind"] == "yours"]
    assert [(d["id"], d["title"]) for d in mine] == [(forked, "Leaves (fork)")]
    # the same pictures, byte for byte, under the same classes (read through the export)
    assert exported(client, ada, forked) == exported(client, teacher, source)
    theirs = client.get(f"/api/datasets/{source}", headers=teacher).json()
    ours = client.get(f"/api/datasets/{forked}", headers=ada).json()
    assert {k: ours[k] for k in ("size", "channels", "fit", "classes", "counts")} == {
        k: theirs[k] for k in ("size", "channels", "fit", "classes", "counts")}
    assert client.get(f"/api/datasets/{forked}", headers=teacher).status_code == 404


def test_the_fork_and_its_source_change_apart(client: TestClient) -> None:
    teacher, ada = session(client), session(client)
    source = make_dataset(client, teacher)
    code = room_showing(client, teacher, source, ada)
    forked = fork(client, code, ada).json()["dataset_id"]
    before = exported(client, teacher, source)
    oak = client.get(f"/api/datasets/{forked}", headers=ada).json()["classes"][0]
    gone = oak["thumbnails"][0]["image_id"]
    assert client.delete(f"/api/datasets/{forked}/images/{gone}", headers=ada).status_code == 200
    assert add(client, ada, forked, "mine", 2, seed=500).status_code == 201
    assert exported(client, teacher, source) == before
    assert client.delete(f"/api/datasets/{source}/classes/maple",
                         headers=teacher).status_code == 200
    counts = client.get(f"/api/datasets/{forked}", headers=ada).json()["counts"]
    assert counts == {"oak": 2, "maple": 2, "later": 0, "mine": 2}
    assert client.delete(f"/api/datasets/{source}", headers=teacher).status_code == 200
    assert client.get(f"/api/datasets/{forked}", headers=ada).json()["counts"] == counts
    gone_fork = fork(client, code, ada)  # the room still names the deleted dataset
    assert gone_fork.status_code == 409
    assert "was deleted by its teacher" in gone_fork.json()["detail"][0]["msg"]


def test_forking_what_is_not_shown_is_a_conflict_naming_what_is(client: TestClient) -> None:
    teacher, ada = session(client), session(client)
    code = room_showing(client, teacher, None, ada)
    nothing = fork(client, code, ada)
    assert nothing.status_code == 409
    assert nothing.json()["detail"][0]["loc"][-1] == "what"
    assert "it shows nothing" in nothing.json()["detail"][0]["msg"]
    client.put(f"/api/rooms/{code}/broadcast", headers=teacher,
               json={"kind": "kernel_lab", "kernel_lab": {}})
    assert "it shows a kernel lab" in fork(client, code, ada).json()["detail"][0]["msg"]
    client.put(f"/api/rooms/{code}/broadcast", headers=teacher,
               json={"kind": "dataset", "dataset_id": make_dataset(client, teacher)})
    network = client.post(f"/api/rooms/{code}/fork", json={"what": "network"}, headers=ada)
    assert network.status_code == 409
    assert "it shows dataset" in network.json()["detail"][0]["msg"]
    stranger = session(client)
    assert fork(client, code, stranger).status_code == 404


def test_forks_count_against_the_dataset_limit(make_client: Callable[..., TestClient],
                                               tmp_path: Path) -> None:
    client = make_client(models_dir=tmp_path, session_max_datasets=3)
    teacher, ada = session(client), session(client)
    code = room_showing(client, teacher, make_dataset(client, teacher), ada)
    make_dataset(client, ada, "Ada's own", {"x": 1}, seed=7)
    with ThreadPoolExecutor(4) as pool:
        statuses = sorted(pool.map(lambda _: fork(client, code, ada), range(4)),
                          key=lambda r: r.status_code)
    assert [r.status_code for r in statuses] == [201, 201, 429, 429]
    assert "CNNPG_SESSION_MAX_DATASETS" in statuses[-1].json()["detail"][0]["msg"]
    mine = [d for d in client.get("/api/datasets", headers=ada).json()["datasets"]
            if d["kind"] == "yours"]
    assert sorted(d["title"] for d in mine) == ["Ada's own", "Leaves (fork)", "Leaves (fork)"]


def test_forks_count_against_the_byte_limit(make_client: Callable[..., TestClient],
                                            tmp_path: Path) -> None:
    one = len(png(noise(SIDE, SIDE, 3, seed=0)))  # noise: every picture is about this big
    client = make_client(models_dir=tmp_path, session_max_dataset_bytes=12 * one)
    teacher, ada = session(client), session(client)
    code = room_showing(client, teacher, make_dataset(client, teacher), ada)  # 5 pictures
    with ThreadPoolExecutor(4) as pool:  # room for two copies, not three
        statuses = sorted(r.status_code for r in pool.map(
            lambda _: fork(client, code, ada), range(4)))
    assert statuses == [201, 201, 429, 429]
    mine = [d for d in client.get("/api/datasets", headers=ada).json()["datasets"]
            if d["kind"] == "yours"]
    assert [d["total"] for d in mine] == [5, 5]  # nothing half-made is left
    refused = fork(client, code, ada).json()["detail"][0]
    assert "CNNPG_SESSION_MAX_DATASET_BYTES" in refused["msg"]
    assert refused["loc"][-1] == "what"
