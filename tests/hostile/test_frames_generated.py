"""Generated frames, valid-ish and garbage, on the real sockets: /ws/kernels, /ws/runs/{id}
and /ws/rooms/{code}. Each frame is answered (an `error` in the detail shape, never a 5xx, or
the message's own answer), the socket stays open, and it answers the next valid message. A
socket that does close must have sent a close frame (websockets' `rcvd` is the frame it got)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import hypothesis
import pytest
from hypothesis import HealthCheck, Phase
from hypothesis import strategies as st
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from .harness import SLOW_SECONDS, Server, is_error_shape
from .strategies import apply_messages, frames, room_messages, run_messages

EXAMPLES = 40
SETTINGS = hypothesis.settings(max_examples=EXAMPLES, deadline=None, database=None,
                               derandomize=True, phases=[Phase.explicit, Phase.generate],
                               suppress_health_check=list(HealthCheck))
VALID_APPLY = {"type": "apply", "id": 4_000_000_000, "source": {"sample": "coins"},
               "spec": {"steps": [{"kernel": "sobel_x"}]}, "preview_max_side": 64}
PING = {"type": "ping"}
TINY_RUN = {"network": {"preset": "lenet-mnist"}, "dataset": "mnist",
            "training": {"epochs": 1, "max_train_samples": 50, "batch_size": 50}}


def sockets(server: Server) -> dict[str, tuple[str, dict[str, str], st.SearchStrategy[Any]]]:
    """Each socket: its url, handshake headers and what a client sends on it."""
    token = server.new_token()
    headers = {"Authorization": f"Bearer {token}"}
    run = server.send("POST", "/api/runs", "setup", json=TINY_RUN, headers=server.headers(token))
    assert run.status_code == 201, run.text
    run_id = run.json()["id"]
    stop = server.send("POST", f"/api/runs/{run_id}/stop", "setup", headers=server.headers(token))
    assert stop.status_code == 200, stop.text
    made = server.send("POST", "/api/rooms", "setup", json={"title": "Frames"},
                       headers=server.headers(token)).json()
    ws = f"ws://{server.host}"
    return {"kernels": (f"{ws}/ws/kernels", headers, frames(apply_messages)),
            "runs": (f"{ws}/ws/runs/{run_id}", headers, frames(run_messages)),
            "rooms": (f"{ws}/ws/rooms/{made['code']}",
                      {**headers, "X-Teacher-Key": made["teacher_key"]}, frames(room_messages))}


@pytest.fixture(scope="module")
def endpoints(server: Server) -> dict[str, tuple[str, dict[str, str], Any]]:
    return sockets(server)


def answers(ws: ClientConnection, until: set[str], request_id: int | None = None
            ) -> Iterator[dict[str, Any]]:
    """Text messages up to and including the first of a type in `until` (with `request_id`,
    when given); binary frames (kernel results) and room/run updates pass by."""
    deadline = time.monotonic() + 30
    while True:
        message = ws.recv(timeout=max(0.1, deadline - time.monotonic()))
        if isinstance(message, bytes):
            continue
        data = json.loads(message)
        yield data
        if data.get("type") in until and (request_id is None or data.get("id") == request_id):
            return


def check_answer(data: dict[str, Any], frame: str | bytes) -> None:
    if data.get("type") == "error":
        assert data["status"] < 500, (frame[:200], data)
        assert is_error_shape(data), (frame[:200], data)


def exchange(server: Server, ws: ClientConnection, name: str, frame: str | bytes) -> None:
    """Send a frame, read its answers, then check the socket still answers a valid message."""
    started = time.monotonic()
    ws.send(frame)
    if name == "kernels":  # the newest edit wins: wait for this one's answer first
        for data in answers(ws, {"result", "error"}):
            check_answer(data, frame)
        ws.send(json.dumps(VALID_APPLY))
        last = list(answers(ws, {"result", "error"}, VALID_APPLY["id"]))[-1]
    else:  # answered in order: the frame's answers, then the pong
        ws.send(json.dumps(PING))
        for data in (seen := list(answers(ws, {"pong"}))):
            check_answer(data, frame)
        last = seen[-1]
    seconds = time.monotonic() - started
    server.tally.record(f"socket {name}", 200 if last["type"] in ("result", "pong") else 500,
                        started, seconds)
    assert last["type"] in ("result", "pong"), (frame[:200], last)
    assert seconds < SLOW_SECONDS * 2, (frame[:200], seconds)  # two round trips


@pytest.mark.parametrize("name", ["kernels", "runs", "rooms"])
def test_generated_frames_are_answered_and_the_socket_goes_on(
        server: Server, endpoints: dict[str, tuple[str, dict[str, str], Any]],
        name: str) -> None:
    url, headers, strategy = endpoints[name]
    with connect(url, additional_headers=headers, max_size=None, compression=None) as ws:

        @SETTINGS
        @hypothesis.given(frame=strategy)
        def each(frame: str | bytes) -> None:
            try:
                exchange(server, ws, name, frame)
            except ConnectionClosed as closed:
                frame_got = closed.rcvd  # None: the connection ended without a close frame
                raise AssertionError(f"closed ({frame_got or 'without a close frame'}) after "
                                     f"{frame!r:.200}") from None

        each()
