"""Shared benchmark plumbing: robust timing, and a real server in a subprocess.

`python -m bench.harness serve --port P` starts the application exactly as
`cnn-playground serve` does (same create_app, same uvicorn options) plus one bench-only
websocket, /bench/echo, which answers like /ws/kernels (a JSON header, then a binary
frame of the same size) without computing anything: the transport floor that a live
edit is compared with in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from fastapi import WebSocket, WebSocketDisconnect

ROOT = Path(__file__).resolve().parent.parent
ECHO_PATH = "/bench/echo"


# ----------------------------------------------------------------------------- timing


def median(samples: Sequence[float]) -> float:
    return float(np.median(np.asarray(samples, dtype=np.float64)))


def percentile(samples: Sequence[float], q: float) -> float:
    return float(np.percentile(np.asarray(samples, dtype=np.float64), q))


def time_ms(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def interleaved(candidates: Sequence[Callable[[], object]], repeats: int,
                warmup: int = 2) -> list[list[float]]:
    """Time each candidate `repeats` times, alternating their order every round so that
    machine noise falls on all of them alike. Returns one list of milliseconds per candidate."""
    for fn in candidates:
        for _ in range(warmup):
            fn()
    samples: list[list[float]] = [[] for _ in candidates]
    order = list(range(len(candidates)))
    for r in range(repeats):
        for i in order if r % 2 == 0 else order[::-1]:
            samples[i].append(time_ms(candidates[i]))
    return samples


# ----------------------------------------------------------------------------- server


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _get(url: str, timeout: float) -> bytes:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        body: bytes = response.read()
        return body


@dataclass(frozen=True)
class Server:
    base: str  # http://127.0.0.1:PORT
    pid: int


@contextmanager
def server_process(startup_timeout: float = 60.0, env: Mapping[str, str] | None = None,
                   module: str = "bench.harness", health: str = "/api/health",
                   warm: bool = True) -> Iterator[Server]:
    """Start `python -m bench.harness serve` on a free port; yield its URL and pid; stop it.
    `env`: extra environment variables for the server (e.g. CNNPG_MODELS_DIR). With `warm`
    (the app's own server), it yields once the warm training workers are ready: they take
    both cores of a small machine for 15-20 s after start, and would be in every figure."""
    port = free_port()
    full_env = {**os.environ, **(env or {}), "PYTHONPATH": os.pathsep.join(
        p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)}
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", module, *(["serve"] if module == "bench.harness" else []),
             "--port", str(port)],
            cwd=ROOT, env=full_env, stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + startup_timeout
            while True:
                if proc.poll() is not None:
                    log.seek(0)
                    tail = log.read()[-2000:].decode(errors="replace")
                    raise RuntimeError(f"the server exited with {proc.returncode}:\n{tail}")
                try:
                    _get(f"{base}{health}", timeout=2)
                    break
                except (urllib.error.URLError, ConnectionError, TimeoutError):
                    if time.monotonic() > deadline:
                        raise RuntimeError(
                            f"the server did not answer within {startup_timeout:.0f} s") from None
                    time.sleep(0.1)
            if warm and module == "bench.harness":
                wait_warm(base)
            yield Server(base, proc.pid)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


@contextmanager
def running_server(startup_timeout: float = 60.0, env: Mapping[str, str] | None = None,
                   module: str = "bench.harness", health: str = "/api/health",
                   warm: bool = True) -> Iterator[str]:
    """server_process, yielding only its base URL."""
    with server_process(startup_timeout, env, module, health, warm) as server:
        yield server.base


# ----------------------------------------------------------------------------- sessions


def session_token(base: str, timeout: float = 30.0) -> str | None:
    """A bearer token of a new session (POST /api/sessions): runs, uploads and their
    websockets belong to the session that made them. None while the server has no
    sessions (404): then nothing needs one."""
    request = urllib.request.Request(f"{base}/api/sessions", data=b"", method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            token: str = json.load(response)["token"]
            return token
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return None
        raise


def auth_headers(token: str | None) -> dict[str, str]:
    """The header that says who we are, on HTTP requests and websocket handshakes."""
    return {"Authorization": f"Bearer {token}"} if token else {}


def request_json(method: str, url: str, body: dict[str, Any] | None = None,
                 token: str | None = None, timeout: float = 30.0) -> dict[str, Any]:
    """A JSON request as session `token` (None: anonymous); the JSON answer."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers={
        "Content-Type": "application/json", **auth_headers(token)})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        answer: dict[str, Any] = json.load(response)
    return answer


def upload_image(base: str, rgb: np.ndarray, timeout: float = 30.0,
                 token: str | None = None) -> str:
    """POST an (H, W, 3) uint8 RGB array as a PNG to /api/images; return its image_id."""
    import cv2

    ok, png = cv2.imencode(".png", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    if not ok:
        raise RuntimeError("PNG encoding failed")
    boundary = uuid.uuid4().hex
    body = b"".join([
        f"--{boundary}\r\n".encode(),
        b'Content-Disposition: form-data; name="file"; filename="bench.png"\r\n',
        b"Content-Type: image/png\r\n\r\n",
        png.tobytes(),
        f"\r\n--{boundary}--\r\n".encode(),
    ])
    request = urllib.request.Request(
        f"{base}/api/images", data=body, method="POST",
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}",
                 **auth_headers(token)})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        answer = json.load(response)
    image_id: str = answer["image_id"]
    return image_id


# ----------------------------------------------------------------------------- serve


def serve(port: int) -> None:
    """The application as `cnn-playground serve` runs it, plus the /bench/echo socket."""
    import uvicorn

    from server.api.ws_kernels import MAGIC
    from server.config import WS_MAX_BYTES, Settings
    from server.main import create_app

    # Every simulated student comes from 127.0.0.1: the per-address rate limits are off
    # here (a class of 100 viewers mints 100 sessions in well under a second).
    app = create_app(Settings(port=port, rate_sessions="", rate_joins="", rate_uploads="",
                              rate_runs=""))
    frames: dict[tuple[int, int], bytes] = {}

    @app.websocket(ECHO_PATH)
    async def echo(websocket: WebSocket) -> None:
        """{"id", "width", "height"} -> the same header and frame size as a live edit."""
        await websocket.accept()
        try:
            while True:
                request = json.loads(await websocket.receive_text())
                width, height = int(request["width"]), int(request["height"])
                key = (width, height)
                if key not in frames:
                    frames[key] = (MAGIC + struct.pack("<III", 0, width, height)
                                   + bytes(width * height * 4))
                await websocket.send_json({"type": "result", "id": request["id"],
                                           "width": width, "height": height})
                await websocket.send_bytes(frames[key])
        except WebSocketDisconnect:
            pass

    # The same options as server.cli.main.serve.
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning",
                ws_per_message_deflate=False, ws_max_size=WS_MAX_BYTES)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.harness")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("serve", help="the app plus the /bench/echo baseline socket")
    run.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    serve(args.port)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


def wait_warm(base: str, timeout: float = 300) -> dict[str, Any]:
    """Until every warm worker of the server's pool is ready (GET /api/health), as when a
    class arrives a while after the server started; the pool's state."""
    deadline = time.monotonic() + timeout
    while True:
        engine: dict[str, Any] = request_json("GET", f"{base}/api/health")["engine"]
        if engine["ready"] >= engine["warm_workers"]:
            return engine
        if time.monotonic() > deadline:
            raise RuntimeError(f"workers not warm after {timeout} s: {engine}")
        time.sleep(0.2)
