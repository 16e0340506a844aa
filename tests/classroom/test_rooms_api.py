"""Room lifecycle over HTTP and the room websocket: create, join by code, wrong code,
teacher-only actions, kick, close, broadcast validation."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from server.classroom.rooms import ALPHABET, KEEP_CLOSED_S, ROOM_HOURS

from .fixtures import TINY, models_folder, session, shipped_id


@pytest.fixture
def client(make_client, tmp_path: Path) -> TestClient:
    return make_client(models_dir=models_folder(tmp_path))


def create(client: TestClient, teacher: dict[str, str], title: str = "Period 3") -> dict:
    response = client.post("/api/rooms", json={"title": title}, headers=teacher)
    assert response.status_code == 201, response.text
    return response.json()


def test_a_room_has_a_short_readable_code_and_a_teacher_key(client: TestClient) -> None:
    teacher = session(client)
    codes = set()
    for _ in range(5):
        created = create(client, teacher)
        code = created["code"]
        assert len(code) == 6
        assert set(code) <= set(ALPHABET)
        assert not set(code) & set("01OILZ25SB8G6")
        assert created["join_url"] == f"http://testserver/join/{code}"
        assert len(created["teacher_key"]) >= 20
        assert created["room"]["teacher"]
        codes.add(code)
    assert len(codes) == 5
    again = client.post("/api/rooms", json={}, headers=teacher)
    assert again.status_code == 429
    assert "close one" in again.json()["detail"][0]["msg"]


def test_students_join_by_code_and_the_teacher_sees_them(client: TestClient) -> None:
    teacher, ada, bob = session(client), session(client), session(client)
    code = create(client, teacher)["code"]
    typed = f" {code[:3].lower()}-{code[3:].lower()} "  # as read aloud and typed
    joined = client.post(f"/api/rooms/{typed}/join", json={"name": "Ada"}, headers=ada)
    assert joined.status_code == 200, joined.text
    view = joined.json()
    assert not view["teacher"]
    assert view["you"]["name"] == "Ada"
    assert view["participants"] == []
    client.post(f"/api/rooms/{code}/join", json={}, headers=bob)
    seen = client.get(f"/api/rooms/{code}", headers=teacher).json()
    assert seen["participant_count"] == 2
    assert [p["name"] for p in seen["participants"]] == ["Ada", "Student 2"]
    assert [r["code"] for r in client.get("/api/rooms", headers=ada).json()["joined"]] == [code]
    assert [r["code"] for r in client.get("/api/rooms", headers=teacher).json()["teaching"]] \
        == [code]


@pytest.mark.parametrize("code", ["ZZZZZZ", "ACD", "ACDEF0", "A" * 500, "ACDE&F"])
def test_a_wrong_code_says_so(client: TestClient, code: str) -> None:
    response = client.post(f"/api/rooms/{code}/join", json={}, headers=session(client))
    assert response.status_code == 404
    detail = response.json()["detail"][0]
    assert detail["loc"] == ["code"]
    assert "check the code on the teacher's screen" in detail["msg"]


def test_an_unknown_well_formed_code_is_not_found(client: TestClient) -> None:
    taken = create(client, session(client))["code"]
    free = next(c * 6 for c in ALPHABET if c * 6 != taken)
    response = client.post(f"/api/rooms/{free}/join", json={}, headers=session(client))
    assert response.status_code == 404
    assert free in response.json()["detail"][0]["msg"]


def test_only_the_teacher_runs_the_room(client: TestClient) -> None:
    teacher, student, stranger = session(client), session(client), session(client)
    created = create(client, teacher)
    code = created["code"]
    client.post(f"/api/rooms/{code}/join", json={}, headers=student)
    assert client.get(f"/api/rooms/{code}", headers=stranger).status_code == 404
    for who, status, says in ((student, 403, "only the teacher"),
                              (stranger, 404, "that you have joined")):
        for response in (
                client.put(f"/api/rooms/{code}/broadcast", json={"kind": "none"}, headers=who),
                client.post(f"/api/rooms/{code}/close", headers=who),
                client.patch(f"/api/rooms/{code}", json={"locked": True}, headers=who),
                client.post(f"/api/rooms/{code}/unban", json={"participant_id": "p-x"},
                            headers=who),
                client.post(f"/api/rooms/{code}/kick", json={"participant_id": "p-x"},
                            headers=who)):
            assert response.status_code == status, response.text
            assert says in response.json()["detail"][0]["msg"]
    # the teacher key makes another device (another session) the teacher
    projector = {**stranger, "X-Teacher-Key": created["teacher_key"]}
    assert client.put(f"/api/rooms/{code}/broadcast", json={"kind": "none"},
                      headers=projector).status_code == 200
    wrong_key = {**stranger, "X-Teacher-Key": "not-the-key"}
    assert client.post(f"/api/rooms/{code}/close", headers=wrong_key).status_code == 404


def test_broadcasts_are_validated(client: TestClient) -> None:
    teacher, other = session(client), session(client)
    code = create(client, teacher)["code"]

    def put(body: dict) -> tuple[int, dict]:
        response = client.put(f"/api/rooms/{code}/broadcast", json=body, headers=teacher)
        return response.status_code, response.json()

    status, body = put({"kind": "run"})
    assert (status, body["detail"][0]["loc"]) == (422, ["run_id"])
    status, body = put({"kind": "run", "run_id": "run-nope"})
    assert status == 404
    status, body = put({"kind": "network", "network": {"input": {"channels": 1}}})
    assert status == 422
    assert body["detail"][0]["loc"][0] == "input"
    status, body = put({"kind": "kernel_lab", "kernel_lab": {"x": "y" * 70_000}})
    assert (status, body["detail"][0]["loc"]) == (413, ["kernel_lab"])
    status, body = put({"kind": "telepathy"})
    assert status == 422
    private = client.app.state.services.models.copy(  # type: ignore[attr-defined]
        shipped_id(), "other's", {"owner": client.get("/api/sessions/me", headers=other)
                                  .json()["session_id"], "visibility": "private"})
    assert put({"kind": "model", "model_id": private})[0] == 404
    status, body = put({"kind": "network", "network": TINY})
    assert status == 200
    assert body["broadcast"]["kind"] == "network"
    assert body["broadcast"]["seq"] == 1
    # the title in English for programs, and its parts for pages in other languages
    assert body["broadcast"]["title_parts"] == {"layers": len(TINY["layers"])}
    assert body["broadcast"]["title"] == f"a network of {len(TINY['layers'])} layers"
    status, body = put({"kind": "kernel_lab", "kernel_lab": {"steps": ["sobel_x"]},
                        "follow": True})
    assert body["broadcast"]["kernel_lab"] == {"steps": ["sobel_x"]}
    assert body["broadcast"]["network"] is None
    assert body["broadcast"]["seq"] == 2


def until(ws, check) -> dict:  # type: ignore[no-untyped-def]
    """The first message that passes check (updates come after every change)."""
    for _ in range(20):
        message = ws.receive_json()
        if check(message):
            return dict(message)
    raise AssertionError("no such message in 20")


def test_the_room_socket_follows_changes_kicks_and_closing(client: TestClient) -> None:
    teacher, ada, bob = session(client), session(client), session(client)
    code = create(client, teacher)["code"]
    for who in (ada, bob):
        client.post(f"/api/rooms/{code}/join", json={}, headers=who)
    with client.websocket_connect(f"/ws/rooms/{code}", headers=teacher) as t_ws, \
            client.websocket_connect(f"/ws/rooms/{code}", headers=ada) as a_ws:
        first = t_ws.receive_json()["room"]
        assert first["teacher"]
        assert first["participant_count"] == 2
        assert a_ws.receive_json()["room"]["you"]["name"] == "Student 1"
        online = until(t_ws, lambda m: m["room"]["online_count"] == 1)["room"]  # Ada's socket
        client.put(f"/api/rooms/{code}/broadcast", json={"kind": "network", "network": TINY},
                   headers=teacher)
        until(a_ws, lambda m: m["room"]["broadcast"]["kind"] == "network")
        ada_id = next(p["id"] for p in online["participants"] if p["name"] == "Student 1")
        client.post(f"/api/rooms/{code}/kick", json={"participant_id": ada_id}, headers=teacher)
        until(a_ws, lambda m: m == {"type": "kicked"})
        with pytest.raises(WebSocketDisconnect) as kicked:
            a_ws.receive_json()
        assert kicked.value.code == 4001
        assert client.get(f"/api/rooms/{code}", headers=ada).status_code == 403
        rejoin = client.post(f"/api/rooms/{code}/join", json={}, headers=ada)
        assert rejoin.status_code == 403
        assert "removed you" in rejoin.json()["detail"][0]["msg"]
        with client.websocket_connect(f"/ws/rooms/{code}", headers=bob) as b_ws:
            b_ws.receive_json()
            client.post(f"/api/rooms/{code}/close", headers=teacher)
            until(b_ws, lambda m: m == {"type": "closed"})
            with pytest.raises(WebSocketDisconnect) as closed:
                b_ws.receive_json()
            assert closed.value.code == 4000
    assert client.post(f"/api/rooms/{code}/join", json={}, headers=bob).status_code == 410
    late = client.post(f"/api/rooms/{code}/join", json={}, headers=session(client))
    assert late.status_code == 404  # a closed room is no one else's business
    assert client.get("/api/rooms", headers=bob).json()["joined"] == []


def test_strangers_cannot_open_the_room_socket(client: TestClient) -> None:
    code = create(client, session(client))["code"]
    with client.websocket_connect(f"/ws/rooms/{code}", headers=session(client)) as ws:
        assert ws.receive_json()["status"] == 404
        with pytest.raises(WebSocketDisconnect) as refused:
            ws.receive_json()
        assert refused.value.code == 4404


def test_cross_site_pages_cannot_use_a_students_cookie(client: TestClient) -> None:
    client.get("/api/sessions/me")  # the browser's cookie
    evil = {"Origin": "https://evil.example"}
    response = client.post("/api/rooms", json={}, headers=evil)
    assert response.status_code == 403
    assert response.json()["detail"][0]["loc"] == ["header", "origin"]
    assert client.post("/api/rooms", json={}, headers={
        "Sec-Fetch-Site": "cross-site"}).status_code == 403
    assert client.post("/api/rooms", json={}, headers={
        "Origin": "http://testserver"}).status_code == 201
    code = client.get("/api/rooms").json()["teaching"][0]["code"]
    with pytest.raises(WebSocketDisconnect) as refused, client.websocket_connect(
            f"/ws/rooms/{code}", headers=evil):
        pass
    assert refused.value.code == 1008


def test_rooms_close_by_themselves_after_a_school_day(client: TestClient) -> None:
    teacher, student = session(client), session(client)
    code = create(client, teacher)["code"]
    client.post(f"/api/rooms/{code}/join", json={}, headers=student)
    rooms = client.app.state.services.rooms  # type: ignore[attr-defined]
    rooms.rooms[code].created -= ROOM_HOURS * 3600 + 1
    create(client, teacher)  # creating a room tidies the others
    assert client.post(f"/api/rooms/{code}/join", json={}, headers=student).status_code == 410
    assert client.post(f"/api/rooms/{code}/join", json={},
                       headers=session(client)).status_code == 404
    rooms.rooms[code].closed_at -= KEEP_CLOSED_S + 1
    create(client, teacher)
    assert client.post(f"/api/rooms/{code}/join", json={}, headers=student).status_code == 404


def teachers_model(client: TestClient, teacher: dict[str, str]) -> str:
    owner = client.get("/api/sessions/me", headers=teacher).json()["session_id"]
    return str(client.app.state.services.models.copy(  # type: ignore[attr-defined]
        shipped_id(), "teacher's", {"owner": owner, "visibility": "private"}))


def test_a_shown_model_cannot_be_passed_on_through_another_room(client: TestClient) -> None:
    teacher, bob, carol = session(client), session(client), session(client)
    model = teachers_model(client, teacher)
    first = create(client, teacher)["code"]
    client.post(f"/api/rooms/{first}/join", json={}, headers=bob)
    client.put(f"/api/rooms/{first}/broadcast", json={"kind": "model", "model_id": model},
               headers=teacher)
    assert client.get(f"/api/models/{model}", headers=bob).status_code == 200
    second = create(client, bob)["code"]
    client.post(f"/api/rooms/{second}/join", json={}, headers=carol)
    relay = client.put(f"/api/rooms/{second}/broadcast", headers=bob,
                       json={"kind": "model", "model_id": model})
    assert relay.status_code == 403
    assert client.get(f"/api/models/{model}", headers=carol).status_code == 404
    client.post(f"/api/rooms/{first}/close", headers=teacher)
    assert client.get(f"/api/models/{model}", headers=bob).status_code == 404


def test_forks_respect_the_model_limit_under_concurrency(make_client, tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    client = make_client(models_dir=models_folder(tmp_path), session_max_models=3)
    teacher, student = session(client), session(client)
    code = create(client, teacher)["code"]
    client.post(f"/api/rooms/{code}/join", json={}, headers=student)
    client.put(f"/api/rooms/{code}/broadcast", headers=teacher,
               json={"kind": "model", "model_id": teachers_model(client, teacher)})
    with ThreadPoolExecutor(8) as pool:
        statuses = sorted(pool.map(lambda _: client.post(
            f"/api/rooms/{code}/fork", json={"what": "model"}, headers=student).status_code,
            range(8)))
    assert statuses == [201] * 3 + [429] * 5
    assert client.get("/api/sessions/me", headers=student).json()["usage"]["models"] == 3


def test_a_student_who_leaves_stops_hearing_the_room(client: TestClient) -> None:
    teacher, student = session(client), session(client)
    code = create(client, teacher)["code"]
    client.post(f"/api/rooms/{code}/join", json={}, headers=student)
    with client.websocket_connect(f"/ws/rooms/{code}", headers=student) as ws:
        ws.receive_json()
        assert client.post(f"/api/rooms/{code}/leave", headers=student).status_code == 204
        until(ws, lambda m: m == {"type": "left"})
        with pytest.raises(WebSocketDisconnect):
            ws.receive_json()


def test_exports_and_predictions_do_not_reveal_owners(client: TestClient) -> None:
    teacher, other = session(client), session(client)
    model = teachers_model(client, teacher)
    archive = client.get(f"/api/models/{model}/export", headers=teacher).content
    with zipfile.ZipFile(io.BytesIO(archive)) as opened:
        manifest = json.loads(opened.read(f"{model}/manifest.json"))
    assert "owner" not in manifest
    weights = tmp_models(client) / model / "weights.safetensors"
    weights.write_bytes(b"damaged")  # a damaged private model is still not there for others
    response = client.post(f"/api/models/{model}/predict", headers=other,
                           files={"file": ("d.png", b"\x89PNG", "image/png")})
    assert response.status_code == 404


def tmp_models(client: TestClient) -> Path:
    return Path(client.app.state.services.settings.models_dir)  # type: ignore[attr-defined]
