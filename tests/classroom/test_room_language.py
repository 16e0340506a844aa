"""A room's language: the teacher's page language, recorded when the room is created and
shown to its students (whose room page suggests it, never imposes it); and room errors
that carry a stable type and the values their message quotes, for the pages' languages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from server.classroom import room_json
from server.classroom.room_records import Room
from server.i18n.languages import LANGUAGES

from .fixtures import models_folder, session


@pytest.fixture
def client(make_client, tmp_path: Path) -> TestClient:
    return make_client(models_dir=models_folder(tmp_path))


def test_the_teachers_language_is_part_of_the_rooms_public_view(client: TestClient) -> None:
    teacher, student = session(client), session(client)
    created = client.post("/api/rooms", json={"title": "Aula 3", "language": "pt-BR"},
                          headers=teacher)
    assert created.status_code == 201, created.text
    code = created.json()["code"]
    assert created.json()["room"]["language"] == "pt-BR"
    joined = client.post(f"/api/rooms/{code}/join", json={"name": "Ada"}, headers=student)
    assert joined.json()["language"] == "pt-BR"
    assert client.get(f"/api/rooms/{code}", headers=student).json()["language"] == "pt-BR"
    assert client.get("/api/rooms", headers=student).json()["joined"][0]["language"] == "pt-BR"
    with client.websocket_connect(f"/ws/rooms/{code}", headers=student) as ws:
        assert ws.receive_json()["room"]["language"] == "pt-BR"


def test_a_room_without_a_language_has_none(client: TestClient) -> None:
    teacher = session(client)
    created = client.post("/api/rooms", json={}, headers=teacher)
    assert created.status_code == 201, created.text
    assert created.json()["room"]["language"] is None
    # every language the pages speak is accepted
    for tag in LANGUAGES:
        made = client.post("/api/rooms", json={"language": tag}, headers=session(client))
        assert made.json()["room"]["language"] == tag


@pytest.mark.parametrize("language", ["fr", "pt-PT", "PT-BR", "", "x" * 35])
def test_a_language_the_pages_do_not_speak_is_refused_by_name(client: TestClient,
                                                              language: str) -> None:
    response = client.post("/api/rooms", json={"language": language}, headers=session(client))
    assert response.status_code == 422
    [item] = response.json()["detail"]
    assert item["loc"] == ["language"]
    assert item["type"] == "unknown_language"
    assert item["ctx"] == {"language": language, "choices": list(LANGUAGES)}
    assert "language" in item["msg"]
    assert "pt-BR" in item["msg"]
    assert client.get("/api/rooms", headers=session(client)).json()["teaching"] == []


def test_a_language_that_is_not_a_string_is_refused_by_name(client: TestClient) -> None:
    for value in (7, ["pt-BR"], "x" * 36):
        response = client.post("/api/rooms", json={"language": value}, headers=session(client))
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["language"]


def test_the_language_survives_the_redis_form() -> None:
    room = Room(code="ACDEFH", title="T", owner="s", key_hash=b"k", language="pt-BR")
    copy = room_json.loads(room_json.dumps(room))
    assert copy is not None
    assert copy.language == "pt-BR"
    older = json.loads(room_json.dumps(room))
    del older["language"]  # a document from before rooms had a language
    copy = room_json.loads(json.dumps(older))
    assert copy is not None
    assert copy.language is None


def test_room_errors_carry_a_type_and_the_values_they_quote(client: TestClient) -> None:
    teacher, student = session(client), session(client)
    code = client.post("/api/rooms", json={"max_participants": 1},
                       headers=teacher).json()["code"]
    wrong = client.post("/api/rooms/K7MN/join", json={}, headers=student).json()["detail"][0]
    assert wrong["type"] == "bad_room_code"
    assert wrong["ctx"]["code"] == "K7MN"
    unused = "ACDEFH" if code != "ACDEFH" else "ACDEFJ"
    missing = client.post(f"/api/rooms/{unused}/join", json={}, headers=student)
    assert missing.status_code == 404
    assert missing.json()["detail"][0]["type"] == "no_open_room"
    assert client.post(f"/api/rooms/{code}/join", json={}, headers=student).status_code == 200
    full = client.post(f"/api/rooms/{code}/join", json={}, headers=session(client))
    assert full.status_code == 409
    assert full.json()["detail"][0]["type"] == "room_full"
    assert full.json()["detail"][0]["ctx"] == {"code": code, "present": 1, "limit": 1}
    client.patch(f"/api/rooms/{code}", json={"locked": True}, headers=teacher)
    locked = client.post(f"/api/rooms/{code}/join", json={}, headers=session(client))
    assert locked.json()["detail"][0]["type"] == "room_locked"
    only = client.post(f"/api/rooms/{code}/close", headers=student).json()["detail"][0]
    assert only["type"] == "teacher_only"
    client.post(f"/api/rooms/{code}/close", headers=teacher)
    closed = client.post(f"/api/rooms/{code}/join", json={}, headers=student)
    assert closed.status_code == 410
    assert closed.json()["detail"][0]["type"] == "room_closed_ask_teacher"
