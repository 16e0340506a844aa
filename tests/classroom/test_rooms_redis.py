"""Rooms across API replicas (CNNPG_REDIS_URL): two apps built from the same settings share a
real redis-server, as two replicas behind a load balancer would. A room made on one is
joined, kicked from, capped and closed through the other; Redis down answers 503."""

from __future__ import annotations

import json
import secrets
import socket
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pictures import noise, png
from redis import Redis
from redis_server import RedisServer

from server.classroom.room_records import KEEP_CLOSED_S, ROOM_HOURS
from server.classroom.room_redis import INDEX_S, OPEN, TIMEOUT_S, room_key, session_key

from .fixtures import session

pytestmark = pytest.mark.cluster
Pair = tuple[TestClient, TestClient]


@pytest.fixture
def pair(make_client: Callable[..., TestClient], redis_server: RedisServer) -> Pair:
    """Replicas A and B: one Redis, one session secret (a token minted on A works on B)."""
    shared = {"redis_url": redis_server.url, "session_secret": secrets.token_hex(32)}
    return make_client(**shared), make_client(**shared)


def create(client: TestClient, teacher: dict[str, str], **body: Any) -> str:
    response = client.post("/api/rooms", json={"title": "Period 3", **body}, headers=teacher)
    assert response.status_code == 201, response.text
    return str(response.json()["code"])


def join(client: TestClient, code: str, who: dict[str, str], name: str = "") -> int:
    return client.post(f"/api/rooms/{code}/join", json={"name": name}, headers=who).status_code


def test_a_room_made_on_a_is_joined_on_b_and_its_teacher_sees_it_on_a(pair: Pair) -> None:
    a, b = pair
    teacher, ada = session(a), session(a)  # both minted on A
    code = create(a, teacher)
    assert join(b, code, ada, "Ada") == 200
    seen = a.get(f"/api/rooms/{code}", headers=teacher).json()
    assert [p["name"] for p in seen["participants"]] == ["Ada"]
    assert b.get(f"/api/rooms/{code}", headers=ada).json()["you"]["name"] == "Ada"
    assert [r["code"] for r in b.get("/api/rooms", headers=teacher).json()["teaching"]] == [code]
    assert [r["code"] for r in a.get("/api/rooms", headers=ada).json()["joined"]] == [code]


def test_a_kick_made_on_b_holds_when_the_student_comes_back_on_a(pair: Pair) -> None:
    a, b = pair
    teacher, bob = session(a), session(b)
    code = create(a, teacher)
    assert join(a, code, bob, "Bob") == 200
    pid = a.get(f"/api/rooms/{code}", headers=teacher).json()["participants"][0]["id"]
    kicked = b.post(f"/api/rooms/{code}/kick", json={"participant_id": pid}, headers=teacher)
    assert kicked.status_code == 200, kicked.text
    assert kicked.json()["participant_count"] == 0  # the answer shows the kick it made
    assert join(a, code, bob) == 403
    assert a.get(f"/api/rooms/{code}", headers=bob).status_code == 403
    banned = a.get(f"/api/rooms/{code}", headers=teacher).json()["banned"]
    assert [p["name"] for p in banned] == ["Bob"]
    assert a.post(f"/api/rooms/{code}/unban", json={"participant_id": pid},
                  headers=teacher).status_code == 200
    assert join(b, code, bob) == 200


def test_students_joining_on_both_replicas_at_once_all_land(pair: Pair) -> None:
    a, b = pair
    teacher = session(a)
    code = create(a, teacher)
    students = [session(a) for _ in range(24)]
    with ThreadPoolExecutor(12) as pool:
        statuses = list(pool.map(lambda k: join((a, b)[k % 2], code, students[k], f"S{k}"),
                                 range(len(students))))
    assert statuses == [200] * len(students)
    for replica in pair:
        view = replica.get(f"/api/rooms/{code}", headers=teacher).json()
        assert sorted(p["name"] for p in view["participants"]) == sorted(
            f"S{k}" for k in range(len(students)))


def test_closing_on_a_closes_the_room_on_b(pair: Pair) -> None:
    a, b = pair
    teacher, ada = session(a), session(a)
    code = create(a, teacher)
    assert join(b, code, ada) == 200
    assert a.post(f"/api/rooms/{code}/close", headers=teacher).json()["closed"]
    assert join(b, code, ada) == 410
    assert b.get(f"/api/rooms/{code}", headers=ada).status_code == 410
    assert join(b, code, session(b)) == 404  # a stranger cannot tell it from an unused code
    assert b.get(f"/api/rooms/{code}", headers=teacher).json()["closed"]
    assert b.get("/api/rooms", headers=ada).json()["joined"] == []


def test_the_cap_and_the_lock_hold_across_replicas(pair: Pair) -> None:
    a, b = pair
    teacher = session(a)
    code = create(a, teacher, max_participants=3)
    students = [session(b) for _ in range(8)]
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda k: join((a, b)[k % 2], code, students[k]),
                                 range(len(students))))
    assert sorted(statuses) == [200] * 3 + [409] * 5
    assert a.get(f"/api/rooms/{code}", headers=teacher).json()["participant_count"] == 3
    assert b.patch(f"/api/rooms/{code}", json={"max_participants": 10, "locked": True},
                   headers=teacher).status_code == 200
    # One the cap turned away: an admitted student may come back even into a locked room,
    # and which three got in depends on the threads' order.
    outsider = students[statuses.index(409)]
    refused = a.post(f"/api/rooms/{code}/join", json={}, headers=outsider)
    assert refused.status_code == 409
    assert "locked" in refused.json()["detail"][0]["msg"]


def test_room_limits_count_the_rooms_of_every_replica(
        make_client: Callable[..., TestClient], redis_server: RedisServer) -> None:
    shared = {"redis_url": redis_server.url, "session_secret": secrets.token_hex(32),
              "max_rooms": 3}
    a, b = make_client(**shared), make_client(**shared)
    teacher = session(a)
    create(a, teacher)
    create(b, teacher)
    with ThreadPoolExecutor(4) as pool:  # two replicas racing for the last place
        answers = list(pool.map(lambda c: c.post("/api/rooms", json={}, headers=session(c)),
                                [a, b, a, b]))
    assert sorted(r.status_code for r in answers) == [201, 429, 429, 429]
    assert "CNNPG_MAX_ROOMS" in next(r for r in answers if r.status_code == 429).text


def test_a_sessions_five_rooms_count_over_every_replica(pair: Pair) -> None:
    a, b = pair
    teacher = session(a)
    codes = [create((a, b)[k % 2], teacher) for k in range(5)]
    refused = a.post("/api/rooms", json={}, headers=teacher)
    assert refused.status_code == 429
    assert all(code in refused.json()["detail"][0]["msg"] for code in codes)
    b.post(f"/api/rooms/{codes[0]}/close", headers=teacher)
    create(a, teacher)  # closing one on B frees a place on A


def test_rooms_expire_in_redis(pair: Pair, redis_server: RedisServer) -> None:
    a, b = pair
    store = Redis.from_url(redis_server.url, decode_responses=True)
    teacher, ada = session(a), session(a)
    code = create(a, teacher)
    assert join(a, code, ada) == 200
    assert ROOM_HOURS * 3600 < store.ttl(room_key(code)) <= ROOM_HOURS * 3600 + KEEP_CLOSED_S + 1
    sid = b.get("/api/sessions/me", headers=ada).json()["session_id"]
    assert 0 < store.ttl(session_key(sid)) <= INDEX_S
    doc = json.loads(store.get(room_key(code)) or "{}")
    doc["created"] -= ROOM_HOURS * 3600 + 1  # a school day later
    store.set(room_key(code), json.dumps(doc), keepttl=True)
    assert join(b, code, ada) == 410  # whichever replica sees it first closes it
    assert code not in store.smembers(OPEN)
    assert 0 < store.ttl(room_key(code)) <= KEEP_CLOSED_S + 1
    store.delete(room_key(code))  # as Redis does when that TTL runs out
    assert join(b, code, ada) == 404
    store.close()


def test_an_open_room_socket_counts_the_student_online_for_every_replica(pair: Pair) -> None:
    a, b = pair
    teacher, ada = session(a), session(a)
    code = create(a, teacher)
    assert join(a, code, ada) == 200
    with b.websocket_connect(f"/ws/rooms/{code}", headers=ada) as socket:
        assert socket.receive_json()["type"] == "room"
        assert a.get(f"/api/rooms/{code}", headers=teacher).json()["online_count"] == 1
    deadline = time.monotonic() + 10
    while a.get(f"/api/rooms/{code}", headers=teacher).json()["online_count"] != 0:
        assert time.monotonic() < deadline, "the closed socket still counts as online"
        time.sleep(0.02)  # the socket's end is counted after it closed


def test_a_kick_on_a_closes_the_students_socket_on_b(pair: Pair) -> None:
    a, b = pair
    teacher, bob = session(a), session(a)
    code = create(a, teacher)
    assert join(a, code, bob) == 200
    pid = a.get(f"/api/rooms/{code}", headers=teacher).json()["participants"][0]["id"]
    with b.websocket_connect(f"/ws/rooms/{code}", headers=bob) as socket:
        assert socket.receive_json()["type"] == "room"
        a.post(f"/api/rooms/{code}/kick", json={"participant_id": pid}, headers=teacher)
        # A's announcement reaches B through the Redis hub; B re-reads the room and finds
        # the kick in Redis
        while (message := socket.receive_json())["type"] == "room":
            pass
        assert message == {"type": "kicked"}


def test_closing_on_a_ends_the_room_sockets_on_b(pair: Pair) -> None:
    a, b = pair
    teacher, ada = session(a), session(a)
    code = create(a, teacher)
    assert join(a, code, ada) == 200
    with b.websocket_connect(f"/ws/rooms/{code}", headers=ada) as socket:
        assert socket.receive_json()["type"] == "room"
        assert join(a, code, session(a), "Bob") == 200
        while (message := socket.receive_json())["type"] == "room":
            if message["room"]["participant_count"] == 2:  # Bob's join, seen from B
                a.post(f"/api/rooms/{code}/close", headers=teacher)
        assert message == {"type": "closed"}


def test_redis_down_answers_503_naming_the_setting(pair: Pair,
                                                   redis_server: RedisServer) -> None:
    a, b = pair
    teacher = session(a)
    code = create(a, teacher)
    redis_server.stop()
    started = time.monotonic()
    for answer in (a.get(f"/api/rooms/{code}", headers=teacher),
                   b.post(f"/api/rooms/{code}/join", json={}, headers=session(b)),
                   a.post("/api/rooms", json={}, headers=teacher),
                   b.get("/api/rooms", headers=teacher)):
        assert answer.status_code == 503, answer.text
        assert "CNNPG_REDIS_URL" in answer.json()["detail"][0]["msg"]
    assert time.monotonic() - started < 10
    with b.websocket_connect(f"/ws/rooms/{code}", headers=teacher) as socket:
        refused = socket.receive_json()
        assert refused["status"] == 503
    redis_server.start()  # its append-only file kept the room
    assert a.get(f"/api/rooms/{code}", headers=teacher).status_code == 200


def test_a_redis_that_never_answers_is_a_503_in_seconds_not_a_hang(
        make_client: Callable[..., TestClient]) -> None:
    with socket.socket() as silent:  # accepts connections (the backlog), never replies
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        client = make_client(redis_url=f"redis://127.0.0.1:{silent.getsockname()[1]}/0")
        teacher = session(client)
        started = time.monotonic()
        answer = client.post("/api/rooms", json={}, headers=teacher)
        assert answer.status_code == 503, answer.text
        assert "CNNPG_REDIS_URL" in answer.json()["detail"][0]["msg"]
        assert time.monotonic() - started < 2 * TIMEOUT_S


def test_deleting_a_sessions_data_on_b_closes_and_leaves_its_rooms_made_on_a(
        pair: Pair) -> None:
    a, b = pair
    ada, other = session(a), session(a)
    mine, theirs = create(a, ada), create(a, other)
    assert join(a, theirs, ada, "Ada") == 200
    deleted = b.delete("/api/sessions/me", headers=ada).json()["deleted"]
    assert deleted["rooms"] == 2
    assert a.get(f"/api/rooms/{mine}", headers=ada).json()["closed"]
    assert a.get(f"/api/rooms/{theirs}", headers=other).json()["participant_count"] == 0
    assert a.get("/api/rooms", headers=ada).json() == {"teaching": [], "joined": []}


def test_a_dataset_shown_on_a_is_read_and_forked_on_b(pair: Pair) -> None:
    a, b = pair
    teacher, ada = session(a), session(a)
    made = a.post("/api/datasets", headers=teacher, json={"name": "Leaves", "classes": ["oak"],
                                                          "size": 20, "channels": 3})
    dataset_id = made.json()["id"]
    files = [("files", (f"{i}.png", png(noise(20, 20, 3, seed=i)), "image/png"))
             for i in range(3)]
    assert a.post(f"/api/datasets/{dataset_id}/images", headers=teacher, data={"label": "oak"},
                  files=files).status_code == 201
    code = create(a, teacher)
    assert join(b, code, ada, "Ada") == 200
    assert b.get(f"/api/datasets/{dataset_id}", headers=ada).status_code == 404
    shown = a.put(f"/api/rooms/{code}/broadcast", headers=teacher,
                  json={"kind": "dataset", "dataset_id": dataset_id})
    assert shown.status_code == 200, shown.text
    assert b.get(f"/api/rooms/{code}", headers=ada).json()["broadcast"]["dataset_id"] == dataset_id
    assert b.get(f"/api/datasets/{dataset_id}", headers=ada).json()["counts"] == {"oak": 3}
    forked = b.post(f"/api/rooms/{code}/fork", json={"what": "dataset"}, headers=ada)
    assert forked.status_code == 201, forked.text
    assert a.get(f"/api/datasets/{forked.json()['dataset_id']}",
                 headers=ada).json()["counts"] == {"oak": 3}
    a.post(f"/api/rooms/{code}/close", headers=teacher)
    assert b.get(f"/api/datasets/{dataset_id}", headers=ada).status_code == 404
