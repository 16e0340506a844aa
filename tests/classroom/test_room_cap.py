"""The teacher's cap on a room's participants and the lock: set at creation and later
(PATCH /api/rooms/{code}), never above CNNPG_MAX_ROOM_PARTICIPANTS; joins over the cap or
into a locked room get a 409 that names the cap and the fix; the room socket shows it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from .fixtures import models_folder, session


@pytest.fixture
def client(make_client, tmp_path: Path) -> TestClient:
    return make_client(models_dir=models_folder(tmp_path), max_room_participants=100)


def create(client: TestClient, teacher: dict[str, str], **body: Any) -> dict[str, Any]:
    made = client.post("/api/rooms", json=body, headers=teacher)
    assert made.status_code == 201, made.text
    return dict(made.json()["room"])


def join(client: TestClient, code: str, who: dict[str, str]) -> Any:
    return client.post(f"/api/rooms/{code}/join", json={}, headers=who)


def patch(client: TestClient, code: str, teacher: dict[str, str], **body: Any) -> Any:
    return client.patch(f"/api/rooms/{code}", json=body, headers=teacher)


def test_the_default_cap_is_a_large_class_within_the_servers_limit(make_client,
                                                                    tmp_path: Path) -> None:
    roomy = make_client(models_dir=models_folder(tmp_path), max_room_participants=100)
    assert create(roomy, session(roomy))["max_participants"] == 60
    small = make_client(max_room_participants=25)
    room = create(small, session(small))
    assert (room["max_participants"], room["locked"]) == (25, False)


def test_joins_over_the_teachers_cap_are_refused_with_the_fix(client: TestClient) -> None:
    teacher = session(client)
    code = create(client, teacher, max_participants=2)["code"]
    ada, bob, cy = session(client), session(client), session(client)
    assert join(client, code, ada).status_code == 200
    assert join(client, code, bob).status_code == 200
    full = join(client, code, cy)
    assert full.status_code == 409
    detail = full.json()["detail"][0]
    assert detail["loc"] == ["code"]
    assert "is full" in detail["msg"]
    assert "limit is 2" in detail["msg"]
    assert "ask the teacher to raise the limit" in detail["msg"]
    assert join(client, code, ada).status_code == 200  # those in may join again
    raised = patch(client, code, teacher, max_participants=3)
    assert raised.json()["max_participants"] == 3
    assert join(client, code, cy).status_code == 200
    patch(client, code, teacher, max_participants=1)  # below those present: no one is removed
    assert client.get(f"/api/rooms/{code}", headers=teacher).json()["participant_count"] == 3
    assert join(client, code, session(client)).status_code == 409


def test_removed_participants_do_not_take_a_place(client: TestClient) -> None:
    teacher = session(client)
    code = create(client, teacher, max_participants=1)["code"]
    join(client, code, session(client))
    pid = client.get(f"/api/rooms/{code}", headers=teacher).json()["participants"][0]["id"]
    client.post(f"/api/rooms/{code}/kick", json={"participant_id": pid}, headers=teacher)
    assert join(client, code, session(client)).status_code == 200


@pytest.mark.parametrize(("value", "says"), [
    (101, "over this server's limit of 100"), (0, "greater than or equal to 1"),
    (-5, "greater than or equal to 1"), ("many", "valid integer"),
    (10**100, "less than or equal to 10000")])
def test_the_cap_is_checked(client: TestClient, value: Any, says: str) -> None:
    teacher = session(client)
    code = create(client, teacher)["code"]
    for answer in (patch(client, code, teacher, max_participants=value),
                   client.post("/api/rooms", json={"max_participants": value},
                               headers=session(client))):
        assert answer.status_code == 422, answer.text
        detail = answer.json()["detail"][0]
        assert detail["loc"][-1] == "max_participants"
        assert says in detail["msg"]


def test_a_locked_room_lets_no_one_new_in(client: TestClient) -> None:
    teacher, ada = session(client), session(client)
    code = create(client, teacher, locked=True)["code"]
    locked = join(client, code, ada)
    assert locked.status_code == 409
    assert "is locked" in locked.json()["detail"][0]["msg"]
    assert "ask the teacher to unlock it" in locked.json()["detail"][0]["msg"]
    assert patch(client, code, teacher, locked=False).json()["locked"] is False
    assert join(client, code, ada).status_code == 200
    assert patch(client, code, teacher, locked=True).json()["locked"] is True
    assert join(client, code, ada).status_code == 200  # Ada is in: she stays
    assert join(client, code, session(client)).status_code == 409
    seen = client.get(f"/api/rooms/{code}", headers=ada).json()
    assert (seen["locked"], seen["max_participants"]) == (True, 60)


def test_the_room_socket_shows_the_cap_and_the_lock(client: TestClient) -> None:
    teacher = session(client)
    code = create(client, teacher)["code"]
    with client.websocket_connect(f"/ws/rooms/{code}", headers=teacher) as ws:
        assert ws.receive_json()["room"]["locked"] is False
        patch(client, code, teacher, locked=True, max_participants=12)
        for _ in range(10):
            room = ws.receive_json()["room"]
            if room["locked"]:
                break
        assert (room["locked"], room["max_participants"]) == (True, 12)


def test_a_closed_room_cannot_be_changed(client: TestClient) -> None:
    teacher = session(client)
    code = create(client, teacher)["code"]
    client.post(f"/api/rooms/{code}/close", headers=teacher)
    gone = patch(client, code, teacher, locked=True)
    assert gone.status_code == 410
