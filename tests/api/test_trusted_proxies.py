"""The client address behind a reverse proxy (CNNPG_TRUSTED_PROXIES): X-Forwarded-For is
believed only from a trusted peer, on a real uvicorn server, and by the app itself when
another server runs it. Rate limits show which address counted: their message names it."""

from __future__ import annotations

import http.client
import json
from dataclasses import dataclass
from typing import Any

import pytest
from app_settings import make_settings
from fastapi.testclient import TestClient
from live_server import serving
from starlette.requests import Request
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from server.api.rate_limits import client_address
from server.main import create_app


@dataclass
class Answer:
    status_code: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def send(base: str, method: str, path: str, headers: dict[str, str],
         source: str = "127.0.0.1") -> Answer:
    """One request over a real socket from `source` (any 127.x address is this machine)."""
    host, port = base.rsplit(":", 1)
    connection = http.client.HTTPConnection(host, int(port), timeout=10,
                                            source_address=(source, 0))
    try:
        connection.request(method, path, headers=headers)
        response = connection.getresponse()
        return Answer(response.status, {k.lower(): v for k, v in response.getheaders()},
                      response.read())
    finally:
        connection.close()


def mint(base: str, forwarded: str | None = None, source: str = "127.0.0.1") -> Answer:
    headers = {"x-forwarded-for": forwarded} if forwarded else {}
    return send(base, "POST", "/api/sessions", headers, source)


def counted_address(response: Answer) -> str:
    assert response.status_code == 429, response.body
    msg = response.json()["detail"][0]["msg"]
    return str(msg.split("from your address (", 1)[1].split(")", 1)[0])


def test_forwarded_for_from_an_untrusted_peer_is_ignored() -> None:
    app = create_app(make_settings(rate_sessions="2/minute"))  # no trusted proxies
    with serving(app) as base:
        answers = [mint(base, f"198.51.100.{i}") for i in range(3)]
        # Every request claimed another address; all counted against the peer.
        assert [a.status_code for a in answers] == [201, 201, 429]
        assert counted_address(answers[2]) == "127.0.0.1"
        # Another peer (127.0.0.2 is this machine too) has its own budget.
        assert mint(base, source="127.0.0.2").status_code == 201


def test_forwarded_for_from_a_trusted_proxy_is_the_client() -> None:
    app = create_app(make_settings(rate_sessions="2/minute", trusted_proxies=["127.0.0.1"]))
    with serving(app) as base:
        # Many clients behind one proxy: each has its own budget.
        assert all(mint(base, f"198.51.100.{i}").status_code == 201 for i in range(6))
        answers = [mint(base, "203.0.113.7") for _ in range(3)]
        assert [a.status_code for a in answers] == [201, 201, 429]
        assert counted_address(answers[2]) == "203.0.113.7"
        # A client cannot plant an address: the proxy appends the peer it saw, and the
        # first untrusted one from the right is the client.
        planted = [mint(base, "203.0.113.7, 198.51.100.99") for _ in range(2)]
        assert [a.status_code for a in planted] == [201, 201]
        # The proxy's peer itself, from an address not trusted, is not believed.
        untrusted = [mint(base, "203.0.113.50", source="127.0.0.2") for _ in range(3)]
        assert counted_address(untrusted[2]) == "127.0.0.2"


def test_the_forwarded_scheme_makes_the_cookie_secure() -> None:
    app = create_app(make_settings(trusted_proxies=["127.0.0.0/8"]))
    with serving(app) as base:
        https = send(base, "GET", "/api/sessions/me", {"x-forwarded-proto": "https"})
        assert "Secure" in https.headers["set-cookie"]
        plain = send(base, "GET", "/api/sessions/me", {})
        assert "Secure" not in plain.headers["set-cookie"]


def test_a_room_socket_counts_against_the_forwarded_address() -> None:
    app = create_app(make_settings(rate_joins="1/minute", trusted_proxies=["127.0.0.1"]))

    def first_message(base: str, forwarded: str) -> dict[str, Any]:
        headers = {"x-forwarded-for": forwarded}
        with connect(f"ws://{base}/ws/rooms/ZZZZZZ", additional_headers=headers) as ws:
            message: dict[str, Any] = json.loads(ws.recv(timeout=5))
            with pytest.raises(ConnectionClosed) as closed:
                ws.recv(timeout=5)
        assert closed.value.rcvd is not None
        message["close_code"] = closed.value.rcvd.code
        return message

    with serving(app) as base:
        assert first_message(base, "203.0.113.1")["close_code"] != 4429  # no such room
        refused = first_message(base, "203.0.113.1")
        assert refused["close_code"] == 4429
        assert "203.0.113.1" in refused["detail"][0]["msg"]
        assert first_message(base, "203.0.113.2")["close_code"] != 4429


@pytest.mark.parametrize(("trusted", "peer", "expected"), [
    ([], "10.1.2.3", "10.1.2.3"),
    (["10.0.0.0/8"], "10.1.2.3", "203.0.113.9"),
    (["10.0.0.0/8"], "192.0.2.1", "192.0.2.1"),
    (["*"], "192.0.2.1", "203.0.113.9"),
])
def test_the_app_applies_its_trusted_proxies_under_any_server(
        trusted: list[str], peer: str, expected: str) -> None:
    """The test client is a server that knows nothing of proxy headers: the app does it."""
    app = create_app(make_settings(trusted_proxies=trusted, rate_sessions="1/minute"))
    seen: list[str] = []

    @app.get("/test-only/who")
    def who(request: Request) -> dict[str, str]:
        seen.append(client_address(request))
        return {}

    client = TestClient(app, client=(peer, 5000))
    client.get("/test-only/who", headers={"x-forwarded-for": "203.0.113.9"})
    assert seen == [expected]


def test_client_address_without_a_peer() -> None:
    """A unix socket or an ASGI server that gives no peer: one shared, named budget."""
    assert client_address(Request({"type": "http", "headers": [], "client": None})) == "unknown"
