"""A room's teacher compares the class's runs (#19 part 3): GET /api/rooms/{code}/runs lists
each student's runs started since joining (with who, learning rate and final accuracy), and
GET /api/runs/compare?room=CODE shows them side by side; students and strangers cannot."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from .fixtures import models_folder, session, start, wait_for

pytestmark = pytest.mark.slow


@pytest.fixture
def client(make_client, tmp_path: Path) -> TestClient:
    return make_client(models_dir=models_folder(tmp_path), max_concurrent_runs=2,
                       stream_interval=0.05, train_threads=1)


def done(client: TestClient, headers: dict[str, str], **training: Any) -> str:
    run_id = start(client, headers, **training)
    run = wait_for(client, headers, run_id, lambda r: r["status"] in ("finished", "failed"))
    assert run["status"] == "finished", run
    return run_id


def join(client: TestClient, code: str, headers: dict[str, str], name: str) -> None:
    response = client.post(f"/api/rooms/{code}/join", json={"name": name}, headers=headers)
    assert response.status_code == 200, response.text


def test_the_teacher_compares_the_class_runs(client: TestClient) -> None:
    teacher, ada, bo, stranger = (session(client) for _ in range(4))
    before = done(client, ada, learning_rate=0.05)  # before joining: stays private
    code = client.post("/api/rooms", json={"title": "t"}, headers=teacher).json()["code"]
    join(client, code, ada, "Ada")
    join(client, code, bo, "Bo")
    slow, fast = done(client, ada, learning_rate=0.001), done(client, ada, learning_rate=0.01)
    bos = done(client, bo, learning_rate=0.003)
    lesson = done(client, teacher)
    assert client.put(f"/api/rooms/{code}/broadcast", json={"kind": "run", "run_id": lesson},
                      headers=teacher).status_code == 200
    listed = client.get(f"/api/rooms/{code}/runs", headers=teacher)
    assert listed.status_code == 200, listed.text
    runs = {r["id"]: r for r in listed.json()["runs"]}
    assert set(runs) == {slow, fast, bos, lesson}  # not Ada's run from before she joined
    assert before not in runs
    assert [runs[i]["who"]["name"] for i in (slow, fast, bos)] == ["Ada", "Ada", "Bo"]
    assert runs[lesson]["who"] == {"name": None, "participant_id": None, "teacher": True}
    assert runs[slow]["settings"]["training.learning_rate"] == 0.001
    assert runs[bos]["settings"]["training.learning_rate"] == 0.003
    assert all(0 <= r["final"]["accuracy_of_run"] <= 1 for r in runs.values())
    assert "curves" not in runs[slow]
    assert listed.json()["differences"] == ["training.learning_rate"]
    # Side by side, with the room; without it the students' runs are not the teacher's.
    ids = f"{slow},{bos},{lesson}"
    compared = client.get(f"/api/runs/compare?ids={ids}&room={code.lower()}", headers=teacher)
    assert compared.status_code == 200, compared.text
    answer = compared.json()
    assert answer["room"] == code
    assert [r["who"]["name"] for r in answer["runs"]] == ["Ada", "Bo", None]
    assert [r["yours"] for r in answer["runs"]] == [False, False, True]
    assert all(r["curves"]["steps"] for r in answer["runs"])
    assert client.get(f"/api/runs/compare?ids={ids}", headers=teacher).status_code == 404
    assert client.get(f"/api/runs/compare?ids={before},{lesson}&room={code}",
                      headers=teacher).status_code == 404
    check_students_and_strangers(client, code, ada, stranger, (slow, bos, lesson))
    # A removed student's runs leave the class; a closed room shows none.
    participant = next(p["id"] for p in client.get(f"/api/rooms/{code}", headers=teacher)
                       .json()["participants"] if p["name"] == "Bo")
    client.post(f"/api/rooms/{code}/kick", json={"participant_id": participant},
                headers=teacher)
    after = {r["id"] for r in client.get(f"/api/rooms/{code}/runs", headers=teacher)
             .json()["runs"]}
    assert after == {slow, fast, lesson}
    client.post(f"/api/rooms/{code}/close", headers=teacher)
    closed = client.get(f"/api/rooms/{code}/runs", headers=teacher)
    assert closed.status_code == 410
    assert "is closed" in closed.json()["detail"][0]["msg"]


def check_students_and_strangers(client: TestClient, code: str, student: dict[str, str],
                                 stranger: dict[str, str], ids: tuple[str, str, str]) -> None:
    mine, classmate, lesson = ids
    # A student compares their own run with the run the room broadcast...
    shared = client.get(f"/api/runs/compare?ids={mine},{lesson}", headers=student)
    assert shared.status_code == 200, shared.text
    # ...but not a classmate's run, and the room's listing is the teacher's.
    refused = client.get(f"/api/runs/compare?ids={mine},{classmate}", headers=student)
    assert refused.status_code == 404
    assert refused.json() == client.get(f"/api/runs/{classmate}", headers=student).json()
    for path in (f"/api/rooms/{code}/runs",
                 f"/api/runs/compare?ids={mine},{classmate}&room={code}"):
        forbidden = client.get(path, headers=student)
        assert forbidden.status_code == 403
        assert "only the teacher" in forbidden.json()["detail"][0]["msg"]
        unknown = client.get(path, headers=stranger)
        assert unknown.status_code == 404
        assert unknown.json()["detail"][0]["loc"] == ["code"]
