"""API replicas for the scale-out tests: the app on real uvicorn servers, each in a process
of its own (tests/hostile/server_process.py), sharing one Redis, one session secret and
one models folder, as replicas behind a load balancer do."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

SERVER = Path(__file__).resolve().parent / "hostile" / "server_process.py"
SECRET = "replicas-share-this-secret-0123456789abcdef"
TINY = {"input": {"channels": 1, "height": 28, "width": 28},
        "layers": [{"type": "conv2d", "filters": 4, "kernel_size": 5, "stride": 2,
                    "padding": "same", "activation": "relu"},
                   {"type": "max_pool2d", "pool_size": 2}, {"type": "flatten"},
                   {"type": "dense", "units": 10, "activation": "softmax"}]}


RUNNING: dict[str, subprocess.Popen[str]] = {}  # host:port -> its process


def kill(host: str) -> None:
    """kill -9 a replica, as a crash or a lost node does."""
    RUNNING[host].kill()
    RUNNING[host].wait(timeout=30)


@contextmanager
def replica(folder: Path, name: str, **settings: Any) -> Iterator[str]:
    """One replica; yields its host:port. Stopped (stdin closed) at the end."""
    log = folder / f"{name}.log"
    with log.open("w") as stderr:
        process = subprocess.Popen([sys.executable, str(SERVER), json.dumps(settings)],
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   stderr=stderr, text=True)
    try:
        assert process.stdout is not None
        host = process.stdout.readline().strip()
        assert host, f"replica {name} did not start: {log.read_text()[-3000:]}"
        RUNNING[host] = process
        yield host
        RUNNING.pop(host, None)
    finally:
        for pipe in (process.stdin, process.stdout):
            if pipe is not None:
                pipe.close()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@contextmanager
def replicas(folder: Path, redis_url: str, count: int = 2,
             **settings: Any) -> Iterator[list[str]]:
    shared = {"redis_url": redis_url, "session_secret": SECRET,
              "models_dir": str(folder / "models"), "warm_workers": 1, **settings}
    with ExitStack() as stack:
        yield [stack.enter_context(replica(folder, f"replica-{i}", **shared))
               for i in range(count)]


def http(method: str, host: str, path: str, headers: dict[str, str] | None = None,
         body: Any = None) -> tuple[int, Any]:
    """A real HTTP request; the status and the JSON answer."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"http://{host}{path}", data=data, method=method,
                                     headers={"Content-Type": "application/json",
                                              **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, json.loads(answer.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def new_session(host: str) -> dict[str, str]:
    """Headers of a fresh session minted by this replica (valid on every replica)."""
    status, body = http("POST", host, "/api/sessions")
    assert status == 201, body
    return {"Authorization": f"Bearer {body['token']}"}


def start_run(host: str, headers: dict[str, str], **training: Any) -> str:
    body = {"network": TINY, "dataset": "mnist",
            "training": {"epochs": 1, "batch_size": 32, "max_train_samples": 600,
                         "learning_rate": 0.01, "validation_split": 0.2, **training}}
    status, answer = http("POST", host, "/api/runs", headers, body)
    assert status == 201, answer
    return str(answer["id"])


def get_run(host: str, headers: dict[str, str], run_id: str) -> tuple[int, Any]:
    return http("GET", host, f"/api/runs/{run_id}", headers)


def wait_run(host: str, headers: dict[str, str], run_id: str,
             check: Callable[[dict[str, Any]], bool], timeout: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        status, answer = get_run(host, headers, run_id)
        if status == 200 and check(answer):
            return dict(answer)
        assert time.monotonic() < deadline, f"timed out: {status} {answer}"
        time.sleep(0.1)  # polling the replica, as a page without a socket would


def watch(host: str, headers: dict[str, str], run_id: str) -> ClientConnection:
    return connect(f"ws://{host}/ws/runs/{run_id}", additional_headers=headers,
                   max_size=None, compression=None, open_timeout=30)


def messages(ws: ClientConnection, until: Callable[[dict[str, Any]], bool],
             timeout: float = 120) -> list[dict[str, Any]]:
    """Text messages (JSON) until one satisfies `until` (included)."""
    seen: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while True:
        message = ws.recv(timeout=max(0.1, deadline - time.monotonic()))
        if isinstance(message, str):
            seen.append(json.loads(message))
            if until(seen[-1]):
                return seen


def watch_like_a_page(host: str, headers: dict[str, str], run_id: str,
                      until: Callable[[dict[str, Any]], bool],
                      timeout: float = 60) -> tuple[list[dict[str, Any]], list[int]]:
    """Watch as the page does: reconnect after a close, until a message satisfies
    `until`. The messages since the last connection (its snapshot first), and the close
    codes on the way."""
    closes: list[int] = []
    deadline = time.monotonic() + timeout
    while True:
        with watch(host, headers, run_id) as ws:
            try:
                return messages(ws, until, deadline - time.monotonic()), closes
            except ConnectionClosed as gone:
                closes.append(gone.rcvd.code if gone.rcvd else 1006)
        assert time.monotonic() < deadline, f"closed {closes} and never got there"
