"""Exporting a big model hashes and zips about 100 MB, renaming it used to hash it on the
event loop: now all of it runs off the loop in pieces, so /api/health keeps answering
within 50 ms meanwhile (a real uvicorn)."""

from __future__ import annotations

import http.client
import io
import json
import threading
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app_settings import make_settings
from live_server import serving

from server.main import create_app
from server.nn.build import build_model
from server.nn.spec import NetworkSpec
from server.store import ModelStore

# 24 M parameters: 96 MB of weights (the operator's default limit is 50 M).
BIG = NetworkSpec.model_validate({
    "input": {"channels": 1, "height": 28, "width": 28},
    "layers": [{"type": "flatten"}, {"type": "dense", "units": 30_000, "activation": "relu"},
               {"type": "dense", "units": 10, "activation": "softmax"}]})
PREPROCESSING = {"channels": 1, "height": 28, "width": 28, "scale": 1 / 255, "mean": [0.5],
                 "std": [0.25], "resize": "fit_pad", "background": "any", "content": "photo",
                 "content_fraction": 1.0}
MANIFEST = {"classes": [str(i) for i in range(10)], "input_shape": [1, 28, 28],
            "preprocessing": PREPROCESSING, "dataset": "mnist", "metrics": {}}


def request(host: str, method: str, path: str, body: bytes | None = None,
            headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection(host, timeout=120)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        answer = connection.getresponse()
        return answer.status, answer.read()
    finally:
        connection.close()


def slowest_health(host: str, work: Callable[[], Any]) -> tuple[float, Any]:
    """Ask /api/health every 10 ms while `work` runs in a thread: the slowest answer."""
    done, result = threading.Event(), {}

    def run() -> None:
        try:
            result["value"] = work()
        except BaseException as exc:  # raised again in the test's thread
            result["error"] = exc
        finally:
            done.set()

    worker = threading.Thread(target=run)
    worker.start()
    slowest, answered = 0.0, 0
    while not done.is_set():
        began = time.perf_counter()
        status, _ = request(host, "GET", "/api/health")
        slowest = max(slowest, time.perf_counter() - began)
        answered += status == 200
        time.sleep(0.01)
    worker.join()
    if "error" in result:
        raise result["error"]
    # At least one answer overlapped the work (on a busy machine a health round trip can
    # take as long as the work itself, so only one may fit).
    assert answered >= 1, "the work ended before /api/health was asked"
    return slowest, result.get("value")


def best_of(attempts: int, host: str, work: Callable[[], Any]) -> float:
    """The slowest /api/health answer during `work`, in the best of a few attempts: a
    handler that blocks the loop is slow every time, while a machine busy with other
    processes only now and then (this suite shares its cores)."""
    best = float("inf")
    for _ in range(attempts):
        slowest, _ = slowest_health(host, work)
        best = min(best, slowest)
        if best < 0.05:
            break
    return best


def test_health_answers_while_a_big_model_is_exported_and_renamed(tmp_path: Path) -> None:
    app = create_app(make_settings(models_dir=tmp_path))
    with serving(app) as host:
        session = json.loads(request(host, "POST", "/api/sessions", b"",
                                     {"Origin": f"http://{host}"})[1])
        owned = {**MANIFEST, "owner": session["session_id"], "visibility": "private"}
        model_id = ModelStore(tmp_path).save("big", BIG, build_model(BIG), owned)
        request(host, "GET", "/api/health")  # the first request's one-time costs
        auth = {"Authorization": f"Bearer {session['token']}"}

        def export() -> None:
            status, archive = request(host, "GET", f"/api/models/{model_id}/export",
                                     headers=auth)
            assert status == 200
            assert zipfile.ZipFile(io.BytesIO(archive)).testzip() is None

        slowest = best_of(3, host, export)
        assert slowest < 0.05, f"/api/health took {slowest * 1000:.0f} ms during the export"
        origin = {"Origin": f"http://{host}", "Content-Type": "application/json", **auth}

        def rename() -> None:
            for i in range(3):
                body = json.dumps({"name": f"big {i}"}).encode()
                assert request(host, "PATCH", f"/api/models/{model_id}", body, origin)[0] == 200

        slowest = best_of(3, host, rename)
        assert slowest < 0.05, f"/api/health took {slowest * 1000:.0f} ms during the renames"
