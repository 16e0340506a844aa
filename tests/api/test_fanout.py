"""/ws/runs/{id} with many viewers: one encoding per event shared by all, stalled viewers
dropped after ws_send_timeout while the others and the run carry on.

Events are published through the executor's own `_publish` (what its reader thread calls
for a worker's events) into a run registered with the executor, so the tests control the
stream exactly without training anything."""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import socket
import struct
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from app_settings import make_settings
from fastapi import WebSocket
from fastapi.testclient import TestClient
from live_server import serving
from scrape import moved, parse, scrape_url, value
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from server.api import fanout
from server.hub import Hub, Subscriber
from server.main import create_app
from server.services import Services
from server.training.runs import Run
from server.training.spec import RunRequest


def session(post: Callable[[str], tuple[int, dict[str, Any]]]) -> tuple[dict[str, str], str]:
    """Headers that make us a new session (POST /api/sessions), and its id."""
    status, body = post("/api/sessions")
    assert status == 201, body
    return {"Authorization": f"Bearer {body['token']}"}, str(body["session_id"])


def add_run(services: Services, owner: str) -> Run:
    """A run the executor knows (owned by `owner`: only it may watch), fed by the test
    instead of a worker."""
    run = Run(id=f"run-{secrets.token_hex(4)}", network_name="LeNet", owner=owner,
              request=RunRequest(network={"preset": "lenet-mnist"}),
              spec=services.presets.get("lenet-mnist").spec)
    with services.runs.lock:
        services.runs.runs[run.id] = run
    services.runs._publish(run, {"type": "status", "status": "running", "message": ""})
    return run


def step(n: int) -> dict[str, Any]:
    return {"type": "step", "epoch": 1, "step": n, "loss": 1.0 / n, "accuracy": 0.5}


def activations(size: int, fill: int = 7) -> dict[str, Any]:
    half = size // 2
    blocks = [{"index": 0, "layer": "conv2d", "shape": [half], "offset": 0, "length": half,
               "min": 0.0, "max": 1.0},
              {"index": 1, "layer": "dense", "shape": [size - half], "offset": half,
               "length": size - half, "min": 0.0, "max": 1.0}]
    return {"type": "activations", "bytes": size, "blocks": blocks,
            "data": bytes([fill]) * half + bytes([fill + 1]) * (size - half)}


def test_every_viewer_gets_the_same_encoded_frames(make_client: Callable[..., TestClient],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    client = make_client()
    services: Services = client.app.state.services  # type: ignore[attr-defined]

    def post(path: str) -> tuple[int, dict[str, Any]]:
        answer = client.post(path)
        return answer.status_code, answer.json()

    headers, owner = session(post)
    run = add_run(services, owner)
    encodes: list[str] = []
    dumps = fanout.dumps
    monkeypatch.setattr(fanout, "dumps", lambda e: encodes.append(e["type"]) or dumps(e))
    with contextlib.ExitStack() as stack:
        viewers = [stack.enter_context(client.websocket_connect(f"/ws/runs/{run.id}",
                                                                headers=headers))
                   for _ in range(6)]
        for ws in viewers:
            assert ws.receive_json()["type"] == "snapshot"
        for ws in viewers[4:]:  # two viewers want layer 1 only
            ws.send_json({"type": "subscribe", "layers": [1]})
            ws.send_json({"type": "nonsense"})  # its answer says the subscribe was applied
            assert ws.receive_json()["type"] == "error"
        assert services.hub.count(f"run:{run.id}") == 6
        encodes.clear()
        services.runs._publish(run, step(1))
        services.runs._publish(run, activations(1000))
        texts = [ws.receive_text() for ws in viewers]
        headers_ = [ws.receive_text() for ws in viewers]
        frames = [ws.receive_bytes() for ws in viewers]
    assert json.loads(texts[0])["step"] == 1
    assert "dropped" not in json.loads(texts[0])  # nobody lost anything
    assert all(text is texts[0] for text in texts)  # one str object sent six times
    assert all(h is headers_[0] for h in headers_[:4])
    assert all(f is frames[0] for f in frames[:4])
    assert headers_[4] is headers_[5]  # the same selection: one slice for both
    assert frames[4] is frames[5]
    assert frames[0] == b"CNR1" + struct.pack("<I", 3) + bytes([7]) * 500 + bytes([8]) * 500
    assert frames[4] == b"CNR1" + struct.pack("<I", 3) + bytes([8]) * 500
    assert json.loads(headers_[4])["blocks"] == [{
        "index": 1, "layer": "dense", "shape": [500], "offset": 0, "length": 500,
        "min": 0.0, "max": 1.0}]
    # One JSON encoding per event and per selection, not per viewer.
    assert sorted(encodes) == ["activations", "activations", "step"]


def test_dropped_is_spliced_into_the_shared_text() -> None:
    event = {"type": "step", "seq": 9, "loss": 0.5, "classes": ["T-shirt/top", "Ankle boot"]}
    text = fanout.dumps(event)
    assert fanout.with_dropped(text, 0) is text
    assert json.loads(fanout.with_dropped(text, 12)) == {**event, "dropped": 12}


def test_a_send_that_stalls_closes_the_socket_with_1013() -> None:
    """A Starlette WebSocket over an ASGI server whose sends never complete (a full socket)
    until the close frame, which goes through."""
    sent: list[dict[str, Any]] = []

    async def scenario() -> None:
        async def receive() -> dict[str, Any]:
            return {"type": "websocket.connect"}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "websocket.send":
                await asyncio.Event().wait()  # the peer reads nothing
            sent.append(message)

        websocket = WebSocket({"type": "websocket", "path": "/ws/runs/x", "headers": []},
                              receive, send)
        await websocket.accept()
        sender = fanout.Sender(websocket, timeout=0.05)
        with pytest.raises(fanout.Stalled):
            await sender.send_text("{}")
        await sender.close_stalled()

    asyncio.run(scenario())
    assert sent[-1] == {"type": "websocket.close", "code": 1013,
                        "reason": "too slow: reconnect"}


# ---------------------------------------------------------------- a real server, real TCP


@pytest.fixture
def live() -> Iterator[tuple[str, Services]]:
    """The app under uvicorn with a 1 s send timeout, for clients that really stall."""
    app = create_app(make_settings(ws_send_timeout=1.0))
    with serving(app) as host:
        yield host, app.state.services


def http_post(host: str) -> Callable[[str], tuple[int, dict[str, Any]]]:
    def post(path: str) -> tuple[int, dict[str, Any]]:
        request = urllib.request.Request(f"http://{host}{path}", data=b"", method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                return answer.status, json.load(answer)
        except urllib.error.HTTPError as error:
            return error.code, {}
    return post


def read_all(ws: Any) -> None:
    while True:
        ws.recv(timeout=30)


def recording(hub: Hub) -> list[Subscriber]:
    """Keep every subscriber the server makes, to look at its queue."""
    made: list[Subscriber] = []
    subscribe = hub.subscribe

    def record(topic: str) -> Subscriber:
        made.append(subscribe(topic))
        return made[-1]

    hub.subscribe = record  # type: ignore[method-assign]
    return made


def test_a_viewer_that_stops_reading_is_dropped_and_the_rest_carry_on(
        live: tuple[str, Services]) -> None:
    host, services = live
    headers, owner = session(http_post(host))
    run = add_run(services, owner)
    made = recording(services.hub)
    url = f"ws://{host}/ws/runs/{run.id}"
    # The stalled viewer: a tiny receive buffer and a client that never reads.
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", int(host.rsplit(":", 1)[1])))
    with connect(url, sock=sock, additional_headers=headers, max_queue=1, ping_interval=None,
                 compression=None, max_size=None) as stalled, \
            connect(url, additional_headers=headers, compression=None,
                    max_size=None) as watcher:
        before = parse(scrape_url(host))
        check_stall(services, run, made, stalled, watcher)
    assert value(before, "cnnpg_websockets_open", kind="runs") == 2
    deadline = time.monotonic() + 10
    while value(after := parse(scrape_url(host)), "cnnpg_websockets_open", kind="runs"):
        assert time.monotonic() < deadline, "the closed sockets are still counted as open"
        time.sleep(0.05)  # the server sees the watcher's close
    assert moved(before, after, "cnnpg_viewers_dropped_total", kind="runs") == 1


def check_stall(services: Services, run: Run, made: list[Subscriber], stalled: Any,
                watcher: Any) -> None:
    topic = f"run:{run.id}"
    steps: list[int] = []
    # Frames as fast as the server sends them: its socket buffers (up to 4 MB on loopback)
    # fill within seconds.
    stalled.send(json.dumps({"type": "subscribe", "max_fps": 30}))

    def read() -> None:
        with contextlib.suppress(ConnectionClosed):
            while True:
                message = watcher.recv(timeout=30)
                event = json.loads(message) if isinstance(message, str) else {}
                if event.get("type") == "step":
                    steps.append(-1 if "dropped" in event else event["step"])

    reader = threading.Thread(target=read)
    reader.start()
    deadline = time.monotonic() + 30
    while len(made) < 2 or services.hub.count(topic) < 2:
        assert time.monotonic() < deadline
        time.sleep(0.01)  # waiting for both to subscribe
    slowest, queued, n = 0.0, 0, 0
    while services.hub.count(topic) == 2:  # until the stalled viewer is dropped
        assert time.monotonic() < deadline, "the stalled viewer was never dropped"
        n += 1
        started = time.perf_counter()
        services.runs._publish(run, step(n))
        services.runs._publish(run, activations(256 * 1024, fill=n % 200))
        slowest = max(slowest, time.perf_counter() - started)
        queued = max(queued, *(s.queue.qsize() + len(s.pending) for s in made))
        time.sleep(0.005)
    dropped_at = n
    assert slowest < 0.1  # publishing never waits for a viewer
    assert queued <= services.hub.maxsize + 2  # bounded: the queue plus one frame per kind
    gone = next(s for s in made if not s.active)
    assert gone.queue.qsize() == 0
    assert gone.pending == {}
    for _ in range(20):  # the live viewer keeps receiving
        n += 1
        services.runs._publish(run, step(n))
    deadline = time.monotonic() + 30
    while not steps or steps[-1] != n:
        assert time.monotonic() < deadline, f"the watcher got steps up to {steps[-1:]}"
        time.sleep(0.01)  # waiting for the watcher's reader thread
    assert steps == list(range(1, n + 1))  # every step, none lost (-1: it lost some)
    assert dropped_at > 1
    watcher.close()
    reader.join(timeout=10)
    # The stalled client, once it reads again, finds its connection closed.
    # uvicorn could not write the close frame behind the unread data: 1006, and a page
    # reconnects all the same.
    with pytest.raises(ConnectionClosed) as closed:
        read_all(stalled)
    assert closed.value.rcvd is None or closed.value.rcvd.code == fanout.STALLED_CODE
