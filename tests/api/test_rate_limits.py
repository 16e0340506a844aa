"""Rate limits per client address (server/api/rate_limits.py): the shipped defaults let a
class of 40 behind one address in and refuse a script's burst; every limited route answers
429 with Retry-After and the error body; the room socket is closed with 4429.

Windows of a minute are not waited out: a settable clock stands in for `time.time` in the
`limits` memory storage and in the middleware (the only two readers of it)."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import limits.storage.memory
import pytest
from app_settings import make_settings
from fastapi.testclient import TestClient
from live_server import serving
from pictures import noise, png
from starlette.websockets import WebSocketDisconnect
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from server.api import rate_limits
from server.api.rate_limits import address_key
from server.config import Settings
from server.main import create_app

SHIPPED = {name: Settings.model_fields[name].default
           for name in ("rate_sessions", "rate_joins", "rate_uploads", "rate_runs")}


class Clock:
    def __init__(self) -> None:
        self.now = 1_900_000_000.0

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    stand_in = SimpleNamespace(time=fake.time)
    monkeypatch.setattr(limits.storage.memory, "time", stand_in)
    monkeypatch.setattr(rate_limits, "time", stand_in)
    return fake


@pytest.fixture
def shipped(make_client: Callable[..., TestClient]) -> TestClient:
    return make_client(**SHIPPED)


def assert_refused(response: Any, setting: str) -> int:
    """A 429 with Retry-After and the standard body; returns Retry-After."""
    assert response.status_code == 429, response.text
    retry_after = int(response.headers["retry-after"])
    assert retry_after >= 1
    (detail,) = response.json()["detail"]
    assert detail["type"] == "rate_limited"
    assert detail["loc"] == ["client"]
    assert setting in detail["msg"]
    assert f"wait {retry_after} s" in detail["msg"]
    return retry_after


def student(client: TestClient, code: str) -> list[int]:
    """A new browser: opens the join page, joins, loads the room and its socket, starts a
    run (with a body the route refuses: the limiter let it through if that is not 429)."""
    client.cookies.clear()
    statuses = [client.get("/join/" + code, headers={"accept": "text/html"}).status_code,
                client.post(f"/api/rooms/{code}/join", json={}).status_code,
                client.get(f"/api/rooms/{code}").status_code]
    with client.websocket_connect(f"/ws/rooms/{code}") as ws:
        statuses.append(200 if ws.receive_json()["type"] == "room" else 0)
    statuses.append(client.post("/api/runs", json={}).status_code)
    return statuses


def test_a_class_of_40_behind_one_address_gets_in_within_a_minute_but_a_burst_does_not(
        shipped: TestClient, clock: Clock) -> None:
    code = shipped.post("/api/rooms", json={"title": "6B"}).json()["code"]
    # 40 students in one minute, in clumps of 5 arriving together (a class told "go").
    for _ in range(8):
        clock.now += 7.5
        for _student in range(5):
            assert student(shipped, code) == [200, 200, 200, 200, 422]
    # A script minting 40 sessions within 0.1 s from the same address.
    clock.now += 60
    answers = []
    for _ in range(40):
        clock.now += 0.0025
        shipped.cookies.clear()
        answers.append(shipped.post("/api/sessions"))
    statuses = [a.status_code for a in answers]
    # 20/second, the burst cap: the first 20 pass, the rest are refused.
    assert statuses == [201] * 20 + [429] * 20
    assert assert_refused(answers[-1], "CNNPG_RATE_SESSIONS") == 1


def test_retry_after_says_when_the_next_request_succeeds(shipped: TestClient,
                                                         clock: Clock) -> None:
    """Minting steadily at 8 a second: the minute's 120 go through, then the 121st is
    refused until the first of them is a minute old, as Retry-After says."""
    for i in range(120):
        clock.now += 0.125
        assert shipped.post("/api/sessions").status_code == 201, i
    clock.now += 0.125
    retry_after = assert_refused(shipped.post("/api/sessions"), "CNNPG_RATE_SESSIONS")
    assert "120 per 1 minute" in shipped.post("/api/sessions").json()["detail"][0]["msg"]
    # The first was made at 0.125 s and it is 15.125 s: a place frees at 45 s (`limits`
    # counts the very instant in or out depending on its clean-up thread: 46 is safe).
    assert retry_after == 46
    clock.now += 44.99
    assert shipped.post("/api/sessions").status_code == 429
    clock.now += 0.02
    assert shipped.post("/api/sessions").status_code == 201
    assert shipped.post("/api/sessions").status_code == 429  # the next place: 0.125 s on


def _image() -> dict[str, tuple[str, bytes, str]]:
    return {"file": ("a.png", png(noise(16, 16)), "image/png")}


def _archive() -> dict[str, tuple[str, io.BytesIO, str]]:
    return {"file": ("m.zip", io.BytesIO(b"not a zip"), "application/zip")}


ROUTES = [
    ("rate_sessions", "CNNPG_RATE_SESSIONS", lambda c: c.post("/api/sessions")),
    ("rate_joins", "CNNPG_RATE_JOINS", lambda c: c.post("/api/rooms/ZZZZZZ/join", json={})),
    ("rate_joins", "CNNPG_RATE_JOINS", lambda c: c.get("/api/rooms/ZZZZZZ")),
    ("rate_uploads", "CNNPG_RATE_UPLOADS", lambda c: c.post("/api/images", files=_image())),
    ("rate_uploads", "CNNPG_RATE_UPLOADS",
     lambda c: c.post("/api/models/import", files=_archive())),
    ("rate_runs", "CNNPG_RATE_RUNS", lambda c: c.post("/api/runs", json={})),
]


@pytest.mark.parametrize(("setting", "env", "send"), ROUTES)
def test_each_limited_route_answers_429_with_retry_after(
        make_client: Callable[..., TestClient], setting: str, env: str,
        send: Callable[[TestClient], Any]) -> None:
    client = make_client(**{setting: "2/minute"})  # only the route's own limit is low
    first, second = send(client), send(client)
    assert [first.status_code, second.status_code].count(429) == 0
    retry_after = assert_refused(send(client), env)
    assert 55 <= retry_after <= 60
    # Other limits are untouched: their routes still answer.
    assert client.get("/api/health").status_code == 200


def test_a_browser_opening_a_page_over_the_limit_gets_a_page_that_reloads_itself(
        make_client: Callable[..., TestClient]) -> None:
    client = make_client(rate_sessions="1/minute")
    kept = client.get("/", headers={"accept": "text/html"})  # mints: the one allowed
    assert kept.status_code == 200
    cookie = dict(client.cookies)
    client.cookies.clear()
    page = client.get("/classroom", headers={"accept": "text/html,application/xhtml+xml"})
    assert page.status_code == 429
    assert page.headers["content-type"].startswith("text/html")
    retry_after = int(page.headers["retry-after"])
    assert f'<meta http-equiv="refresh" content="{retry_after}">' in page.text
    assert "<script" not in page.text  # the CSP forbids inline script
    assert "script-src 'self'" in page.headers["content-security-policy"]
    api = client.get("/api/kernels")  # a cookieless program: JSON
    assert_refused(api, "CNNPG_RATE_SESSIONS")
    # A browser that already has its session is not held up by others minting.
    client.cookies.update(cookie)
    assert client.get("/classroom", headers={"accept": "text/html"}).status_code == 200
    assert client.get("/api/health").status_code == 200  # probes never count


def test_a_room_socket_over_the_limit_is_closed_with_4429_and_a_reason() -> None:
    app = create_app(make_settings(rate_joins="1/minute"))
    with serving(app) as address:
        with connect(f"ws://{address}/ws/rooms/ZZZZZZ") as ws:  # counted: the one allowed
            assert json.loads(ws.recv(timeout=5))["type"] == "error"  # no such room
        with connect(f"ws://{address}/ws/rooms/ABCDEF") as ws:
            error = json.loads(ws.recv(timeout=5))
            with pytest.raises(ConnectionClosed) as closed:
                ws.recv(timeout=5)
    assert (error["type"], error["status"]) == ("error", 429)
    assert 1 <= error["retry_after"] <= 60
    assert "CNNPG_RATE_JOINS" in error["detail"][0]["msg"]
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4429
    assert f"wait {error['retry_after']} s" in closed.value.rcvd.reason


def test_the_socket_refusal_over_the_test_client(make_client: Callable[..., TestClient]) -> None:
    client = make_client(rate_joins="1/minute")
    assert client.get("/api/rooms/ZZZZZZ").status_code == 404
    with client.websocket_connect("/ws/rooms/ZZZZZZ") as ws:
        assert ws.receive_json()["status"] == 429
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
    assert closed.value.code == 4429


def test_each_address_has_its_own_budget_and_ipv6_counts_by_its_64(
        make_client: Callable[..., TestClient]) -> None:
    app = make_client(rate_sessions="2/minute").app

    def mints(host: str) -> list[int]:
        client = TestClient(app, client=(host, 40000))
        return [client.post("/api/sessions").status_code for _ in range(3)]

    assert mints("10.0.0.1") == [201, 201, 429]
    assert mints("10.0.0.2") == [201, 201, 429]
    assert mints("2001:db8:1:2::10") == [201, 201, 429]
    # Another address in the same /64: the same machine or network, the same budget.
    assert mints("2001:db8:1:2:ffff::1") == [429, 429, 429]
    assert mints("2001:db8:1:3::10") == [201, 201, 429]
    assert address_key("::ffff:10.0.0.1") == "10.0.0.1"


def test_an_empty_setting_turns_a_limit_off(make_client: Callable[..., TestClient],
                                            clock: Clock) -> None:
    client = make_client(**{**SHIPPED, "rate_sessions": ""})
    assert all(client.post("/api/sessions").status_code == 201 for _ in range(200))
    assert_refused(next(r for r in (client.post("/api/runs", json={}) for _ in range(30))
                        if r.status_code == 429), "CNNPG_RATE_RUNS")


@pytest.mark.parametrize(("name", "value", "fragment"), [
    ("rate_sessions", "20 per fortnight", "is not a rate limit"),
    ("rate_joins", "0/second", "allows nothing"),
    ("rate_storage", "memcached://host:11211", "is not a rate limit storage"),
    ("trusted_proxies", ["10.0.0.1/8"], "no host bits"),
])
def test_bad_settings_are_refused_with_the_fix(name: str, value: object,
                                               fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        make_settings(**{name: value})
