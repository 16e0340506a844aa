"""deploy/nginx.conf for real: Debian's nginx, running the shipped file (only its listen
address and its upstream changed to loopback), in front of two uvicorn replicas sharing a
real Redis. Requests, websockets, the client's address and the body limits go through, and
programs call the inference service through it on both replicas without a session."""

from __future__ import annotations

import contextlib
import json
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import tritonclient.http as triton
from app_settings import make_settings
from live_server import serving
from redis_server import RedisServer
from scrape import Samples, parse, scrape_url
from websockets.sync.client import connect

from server.main import create_app

pytestmark = pytest.mark.cluster

ROOT = Path(__file__).resolve().parent.parent.parent
NGINX = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")
MiB = 1024 * 1024


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def local_config(listen: int, replicas: list[str]) -> str:
    """The shipped file with `api` (Docker's DNS name for the replicas) as an upstream group
    of the two local replicas, and a loopback port instead of port 80."""
    text = (ROOT / "deploy" / "nginx.conf").read_text()
    servers = " ".join(f"server {replica};" for replica in replicas)
    # One worker: round robin is per worker, so the replicas take turns request by request
    # whatever connections the clients open.
    for old, new in (("worker_processes auto;", "worker_processes 1;"),
                     ("listen 80;", f"listen 127.0.0.1:{listen};"),
                     ("set $api http://api:8000;", "set $api http://api;"),
                     ("resolver 127.0.0.11 valid=10s ipv6=off;",
                      f"upstream api {{ {servers} }}")):
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


@contextlib.contextmanager
def nginx(listen: int, replicas: list[str], folder: Path) -> Iterator[str]:
    assert NGINX is not None
    config = folder / "nginx.conf"
    config.write_text(local_config(listen, replicas))
    process = subprocess.Popen([NGINX, "-c", str(config), "-p", str(folder), "-g",
                                f"daemon off; pid {folder}/nginx.pid;"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 20
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", listen),
                                                                         timeout=0.5):
                break
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            assert time.monotonic() < deadline, "nginx did not listen in 20 s"
            time.sleep(0.05)  # waiting for nginx's start-up
        yield f"127.0.0.1:{listen}"
    finally:
        process.terminate()
        process.wait(timeout=20)
        if process.stderr:
            process.stderr.close()


def call(url: str, method: str = "GET", body: bytes | None = None,
         headers: dict[str, str] | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.read().decode()


def multipart(size: int) -> tuple[bytes, dict[str, str]]:
    """A file upload of `size` bytes, from an address of its own (each mints a session)."""
    head = (b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n'
            b"Content-Type: image/png\r\n\r\n")
    return head + b"x" * size + b"\r\n--b--\r\n", {
        "content-type": "multipart/form-data; boundary=b", "x-forwarded-for": "198.51.100.1"}


@pytest.fixture
def deployed(redis_server: RedisServer, tmp_path: Path) -> Iterator[tuple[str, list[str]]]:
    """nginx's address and the two replicas' (host:port each)."""
    if NGINX is None:
        pytest.skip("nginx is not installed (apt-get install nginx)")
    models = tmp_path / "models"  # the shipped model, which both replicas serve
    shipped = next((ROOT / "models").glob("lenet-mnist-shipped-*"))
    shutil.copytree(shipped, models / shipped.name)
    settings = make_settings(redis_url=redis_server.url, rate_sessions="3/minute",
                             trusted_proxies=["127.0.0.1"], max_upload_bytes=20 * MiB,
                             models_dir=models)
    with serving(create_app(settings)) as a, serving(create_app(settings)) as b, \
            nginx(_free_port(), [a, b], tmp_path) as address:
        yield address, [a, b]


@pytest.fixture
def balanced(deployed: tuple[str, list[str]]) -> str:
    return deployed[0]


def test_requests_sockets_addresses_and_limits_through_nginx(balanced: str) -> None:
    base = f"http://{balanced}"
    assert call(base + "/api/health")[0] == 200
    # Round robin over the two replicas; the counters are shared in Redis.
    forwarded = {"x-forwarded-for": "203.0.113.9"}
    statuses = [call(base + "/api/sessions", "POST", b"", forwarded)[0] for _ in range(4)]
    assert statuses == [201, 201, 201, 429]
    status, text = call(base + "/api/sessions", "POST", b"", forwarded)
    # The address the app counted: the one nginx passed on in X-Forwarded-For.
    assert status == 429
    assert "(203.0.113.9)" in json.loads(text)["detail"][0]["msg"]
    assert call(base + "/api/sessions", "POST", b"")[0] == 201  # 127.0.0.1: its own budget
    # A body just under the limit reaches a replica (which finds it is no image).
    status, text = call(base + "/api/images", "POST", *multipart(20 * MiB))
    assert status == 415, text
    # Over it: refused by nginx, with the app's error body, every time (never a 502).
    for _ in range(3):
        status, text = call(base + "/api/images", "POST", *multipart(20 * MiB + 100_000))
        assert status == 413
        (detail,) = json.loads(text)["detail"]
        assert detail["type"] == "too_large"
        assert "CNNPG_MAX_UPLOAD_BYTES" in detail["msg"]
    # The Open Inference Protocol's routes: the same limit, in the protocol's error shape.
    status, text = call(base + "/v2/models/any/infer", "POST", bytes(20 * MiB + 100_000),
                        {"content-type": "application/octet-stream"})
    assert status == 413
    refusal = json.loads(text)
    assert "CNNPG_MAX_UPLOAD_BYTES" in refusal["error"]
    assert refusal["detail"][0]["msg"] == refusal["error"]
    # Model archives have their own, larger limit.
    status, text = call(base + "/api/models/import", "POST", *multipart(21 * MiB))
    assert status == 415, text
    # A websocket through the Upgrade headers; the page's Origin matches the Host passed on.
    with connect(f"ws://{balanced}/ws/rooms/ZZZZZZ", origin=f"http://{balanced}",
                 additional_headers={"x-forwarded-for": "198.51.100.2"},
                 open_timeout=10) as ws:
        message = json.loads(ws.recv(timeout=10))
    assert message["type"] == "error"
    assert message["status"] == 404  # the replica answered: no such room


def served(samples: Samples, route: str) -> float:
    """Answers with 2xx counted on one replica for a route template."""
    return sum(v for (name, labels), v in samples.items()
               if name == "cnnpg_http_requests_total"
               and ("route", route) in labels and ("status", "2xx") in labels)


def test_programs_infer_through_nginx_on_both_replicas_without_sessions(
        deployed: tuple[str, list[str]]) -> None:
    address, replicas = deployed
    status, text = call(f"http://{address}/api/models")
    assert status == 200
    shipped = next(r["id"] for r in json.loads(text)["models"] if r["shipped"])
    infer = "/v2/models/{name}/infer"
    before = [parse(scrape_url(r)) for r in replicas]
    client = triton.InferenceServerClient(address)
    pixels = np.zeros((1, 28, 28, 1), np.uint8)
    pixels[0, 4:24, 12:16] = 255  # a stroke: some digit
    answers = []
    try:
        assert client.is_server_ready()
        for _ in range(12):  # four times the 3 new sessions a minute this deployment allows
            tensor = triton.InferInput("input", list(pixels.shape), "UINT8")
            tensor.set_data_from_numpy(pixels)
            answers.append(client.infer(shipped, [tensor]).as_numpy("probabilities"))
    finally:
        client.close()
    assert all(np.array_equal(a, answers[0]) for a in answers)  # one model, on either replica
    assert abs(float(answers[0].sum()) - 1) < 1e-5
    # Round robin: each replica answered half, and neither counted a new session.
    counted = [served(parse(scrape_url(r)), infer) - served(b, infer)
               for r, b in zip(replicas, before, strict=True)]
    assert counted == [6, 6]
    after = [parse(scrape_url(r)) for r in replicas]
    assert all(served(a, "/api/sessions") == served(b, "/api/sessions")
               for a, b in zip(after, before, strict=True))
