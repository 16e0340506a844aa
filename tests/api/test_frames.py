"""Hostile frames on /ws/kernels, /ws/runs/{id} and /ws/rooms/{code} (server/api/frames.py),
sent by real websocket clients to a real uvicorn server: each gets an `error` message and the
socket answers the next valid message; only a frame over WS_MAX_BYTES closes it (1009).
A client that stops reading is closed with 1013 on the kernel and room sockets too."""

from __future__ import annotations

import contextlib
import json
import socket
import time
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from app_settings import make_settings
from live_server import serving
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from server.config import WS_MAX_BYTES
from server.main import create_app
from server.services import Services

from .test_fanout import add_run, http_post, session

APPLY = {"type": "apply", "id": 5, "source": {"sample": "coins"},
         "spec": {"steps": [{"kernel": "identity"}]}}
PING = {"type": "ping"}
HOSTILE: list[tuple[str, str | bytes, list[str]]] = [
    ("binary", b"\x00\xff\x10binary", ["JSON"]),
    ("not JSON", "{not json", ["not JSON"]),
    ("deep", "[" * 100_000 + "]" * 100_000, ["nests", "at most 32"]),
    ("deep object", '{"a":' * 50_000 + "1" + "}" * 50_000, ["nests"]),
    ("huge int", '{"type": "apply", "id": ' + "9" * 5000 + "}", ["5000 digits"]),
    ("Infinity", '{"type": "apply", "id": Infinity}', ["Infinity", "finite"]),
    ("NaN", '{"type": "subscribe", "max_fps": NaN}', ["NaN", "finite"]),
    ("1e400", '{"type": "subscribe", "max_fps": 1e400}', ["1e400", "too large"]),
    ("1 MB", json.dumps({"type": "x" * (WS_MAX_BYTES - 40)}), ["unknown", "type"]),
]


@pytest.fixture(scope="module")
def live() -> Iterator[tuple[str, Services]]:
    app = create_app(make_settings(ws_send_timeout=1.0))
    with serving(app) as host:
        yield host, app.state.services


def post_json(host: str, path: str, body: dict[str, Any],
              headers: dict[str, str]) -> dict[str, Any]:
    request = urllib.request.Request(f"http://{host}{path}", data=json.dumps(body).encode(),
                                     method="POST", headers={**headers,
                                                             "content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.load(answer)  # type: ignore[no-any-return]


def room(host: str) -> tuple[str, dict[str, str]]:
    """A new room's code, and headers that open its socket as the teacher."""
    headers, _ = session(http_post(host))
    made = post_json(host, "/api/rooms", {"title": "Frames"}, headers)
    return made["code"], {**headers, "x-teacher-key": made["teacher_key"]}


def sockets(host: str, services: Services) -> dict[str, tuple[str, dict[str, str], Any]]:
    """Each socket: its url, headers, and a valid message it answers."""
    headers, owner = session(http_post(host))
    run = add_run(services, owner)
    code, teacher = room(host)
    return {"kernels": (f"ws://{host}/ws/kernels", {}, APPLY),
            "runs": (f"ws://{host}/ws/runs/{run.id}", headers, PING),
            "rooms": (f"ws://{host}/ws/rooms/{code}", teacher, PING)}


def next_json(ws: ClientConnection, kinds: set[str]) -> dict[str, Any]:
    """The next text message of one of these types (others, like the run's snapshot and
    the room's view, are skipped)."""
    deadline = time.monotonic() + 20
    while True:
        message = ws.recv(timeout=max(0.1, deadline - time.monotonic()))
        if isinstance(message, str):
            data = json.loads(message)
            if data.get("type") in kinds:
                return data  # type: ignore[no-any-return]


@pytest.mark.parametrize("name", ["kernels", "runs", "rooms"])
def test_hostile_frames_get_an_error_and_the_socket_goes_on(
        live: tuple[str, Services], name: str) -> None:
    host, services = live
    url, headers, valid = sockets(host, services)[name]
    with connect(url, additional_headers=headers, max_size=None, compression=None) as ws:
        for label, frame, words in HOSTILE:
            ws.send(frame)
            error = next_json(ws, {"error"})
            assert error["status"] == 400 or label in ("1 MB", "binary"), (label, error)
            assert error["status"] < 500, (label, error)
            msg = " ".join(d["msg"] for d in error["detail"])
            if not (label == "1 MB" and name == "kernels"):
                for word in words:
                    assert word in msg, (label, msg)
            ws.send(json.dumps(valid))
            answer = next_json(ws, {"result", "pong", "error"})
            assert answer["type"] in ("result", "pong"), (label, answer)


def read_forever(ws: ClientConnection) -> None:
    while True:
        ws.recv(timeout=30)


@pytest.mark.parametrize("name", ["kernels", "runs", "rooms"])
def test_a_frame_over_the_limit_closes_with_1009(live: tuple[str, Services], name: str) -> None:
    host, services = live
    url, headers, _ = sockets(host, services)[name]
    sent: list[bool] = []
    with (connect(url, additional_headers=headers, max_size=None, compression=None) as ws,
          pytest.raises(ConnectionClosed) as closed):
        send_and_read(ws, "[" + "1," * (WS_MAX_BYTES // 2) + "1]", sent)
    # The server may close while the frame is still going out: the send then raises, and
    # TCP may reset the link before the client reads the close frame. Once the frame went
    # out whole, the close frame (1009) must arrive.
    if closed.value.rcvd is None:
        assert not sent, "the frame was sent whole, yet no close frame came back"
        return
    assert closed.value.rcvd.code == 1009
    assert closed.value.rcvd.reason


def send_and_read(ws: ClientConnection, text: str, sent: list[bool]) -> None:
    """Send, then read until closed; `sent` gets True once the frame went out whole."""
    ws.send(text)
    sent.append(True)
    read_forever(ws)


def stalled_client(url: str, headers: dict[str, str]) -> ClientConnection:
    """A client with a tiny receive buffer that will not read."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    host, port = url.split("/")[2].rsplit(":", 1)
    sock.connect((host, int(port)))
    return connect(url, sock=sock, additional_headers=headers, max_queue=1, ping_interval=None,
                   compression=None, max_size=None)


def health_ms(host: str) -> float:
    started = time.perf_counter()
    with urllib.request.urlopen(f"http://{host}/api/health", timeout=10) as answer:
        assert answer.status == 200
    return (time.perf_counter() - started) * 1000


def ends_closed(ws: ClientConnection) -> None:
    """Reading again, the client finds the server closed it (1013, or the connection just
    ends when the close frame is stuck behind unread data)."""
    with pytest.raises(ConnectionClosed) as closed:
        read_forever(ws)
    assert closed.value.rcvd is None or closed.value.rcvd.code == 1013


def until(check: Callable[[], bool], act: Callable[[], None], seconds: float = 40) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "the stalled client was never dropped"
        act()


def test_a_kernel_client_that_stops_reading_is_closed(live: tuple[str, Services]) -> None:
    host, _ = live
    url = f"ws://{host}/ws/kernels"
    request = {**APPLY, "source": {"sample": "astronaut"}}
    with stalled_client(url, {}) as ws:
        with contextlib.suppress(ConnectionClosed):  # closed while we still send: given up
            for sent in range(60):  # 1 MB results: the socket buffers fill within a few
                ws.send(json.dumps({**request, "id": sent}))
                time.sleep(0.1)
                assert health_ms(host) < 1000  # the server is not blocked
            time.sleep(2)  # past ws_send_timeout
        ends_closed(ws)


def test_a_room_reader_that_stops_reading_is_closed(live: tuple[str, Services]) -> None:
    host, services = live
    code, teacher = room(host)
    topic = f"room:{code}"
    for i in range(40):  # a long view: the teacher's lists every participant
        student, _ = session(http_post(host))
        post_json(host, f"/api/rooms/{code}/join", {"name": f"student {i:02d} " + "x" * 20},
                  student)

    def change() -> None:
        services.hub.publish(topic, {"type": "changed"})
        time.sleep(0.002)

    with stalled_client(f"ws://{host}/ws/rooms/{code}", teacher) as ws:
        until(lambda: services.hub.count(topic) == 1, change, 10)  # the socket subscribed
        until(lambda: services.hub.count(topic) == 0, change)  # ... and was dropped
        assert health_ms(host) < 1000
        ends_closed(ws)
