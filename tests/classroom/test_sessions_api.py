"""Sessions over HTTP and websockets: the cookie, bearer tokens, forged and foreign
credentials (the Sessions middleware and /api/sessions)."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.websockets import WebSocketDisconnect

from server.classroom.sessions import COOKIE

from .fixtures import session, session_id, upload


def test_a_browser_gets_one_cookie_and_keeps_its_session(make_client, tmp_path: Path) -> None:
    client = make_client(models_dir=tmp_path)
    first = client.get("/api/sessions/me")
    cookie = first.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=v1.")
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Path=/" in cookie
    second = client.get("/api/sessions/me")
    assert "set-cookie" not in second.headers
    assert second.json()["session_id"] == first.json()["session_id"]
    assert second.json()["auth"] == "cookie"


def test_a_program_uses_a_bearer_token(make_client, tmp_path: Path) -> None:
    client = make_client(models_dir=tmp_path)
    response = client.post("/api/sessions")
    body = response.json()
    assert body["token_type"] == "bearer"
    me = client.get("/api/sessions/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.json()["session_id"] == body["session_id"]
    assert me.json()["auth"] == "bearer"
    assert "set-cookie" not in me.headers
    assert me.json()["limits"]["models"] >= 1


@pytest.mark.parametrize("token", ["nonsense", "v1.s-abc.def", ""])
def test_a_forged_bearer_token_is_refused(make_client, tmp_path: Path, token: str) -> None:
    client = make_client(models_dir=tmp_path)
    response = client.get("/api/runs", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    detail = response.json()["detail"][0]
    assert detail["loc"] == ["header", "authorization"]
    assert "POST /api/sessions" in detail["msg"]
    with pytest.raises(WebSocketDisconnect) as closed, client.websocket_connect(
            "/ws/rooms/ACDEFH", headers={"Authorization": f"Bearer {token}"}):
        pass
    assert closed.value.code == 4401


def test_a_token_from_another_server_is_refused(make_client, tmp_path: Path) -> None:
    ours = make_client(models_dir=tmp_path / "a")
    theirs = make_client(models_dir=tmp_path / "b")
    headers = session(theirs)
    assert ours.get("/api/sessions/me", headers=headers).status_code == 401
    # the same folder (a restart) keeps the secret: the token still works
    again = make_client(models_dir=tmp_path / "b")
    assert again.get("/api/sessions/me", headers=headers).status_code == 200


def test_a_forged_cookie_gets_a_fresh_session_not_the_victims(make_client,
                                                                tmp_path: Path) -> None:
    client = make_client(models_dir=tmp_path)
    victim = session(client)
    image = upload(client, victim)
    victim_id = session_id(client, victim)
    forged = {"Cookie": f"{COOKIE}=v1.{victim_id}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}
    response = client.get(f"/api/images/{image}", headers=forged)
    assert response.status_code == 404
    fresh = response.headers["set-cookie"]
    assert fresh.startswith(f"{COOKIE}=v1.s-")
    assert victim_id not in fresh
    assert client.get("/api/sessions/me", headers=forged).json()["session_id"] != victim_id
    assert client.get(f"/api/images/{image}", headers=victim).status_code == 200


def test_a_token_with_foreign_characters_is_refused_not_crashed(make_client,
                                                                tmp_path: Path) -> None:
    client = make_client(models_dir=tmp_path)
    response = client.get("/api/runs", headers={"Authorization": b"Bearer v1.s-abc.\xe9"})
    assert response.status_code == 401
