"""CPU work never runs on the event loop: while a heavy batch prediction (32 photos into a
1024x1024 network: 400 MB of input) is in flight on a real server, the server's event loop
never stalls for 50 ms and /api/health answers in under 50 ms.

The loop itself is probed (a no-op handed to it from another thread), as well as
/api/health, whose time also includes waiting for a worker thread and a CPU. Before the fix,
concatenating the batch and freeing it on the loop stalled it for 0.4 to 2 s on every
request. On a machine shared with other work the operating system may also leave the loop's
thread without a CPU for a moment; a stall that is the code's repeats on every try, so the
check passes when one of three tries holds throughout."""

from __future__ import annotations

import asyncio
import secrets
import statistics
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

import numpy as np
from app_settings import make_settings
from live_server import serving

from server.main import create_app
from server.nn.spec import NetworkSpec
from server.store import ModelStore

from .conftest import add_random, png

BIG_INPUT = NetworkSpec.model_validate({
    "input": {"channels": 3, "height": 1024, "width": 1024},
    "layers": [{"type": "max_pool2d", "pool_size": 16}, {"type": "flatten"},
               {"type": "dense", "units": 4, "activation": "softmax"}]})
LIMIT = 0.05


def _multipart(files: list[bytes]) -> tuple[bytes, str]:
    boundary = secrets.token_hex(8)
    parts = [f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; "
             f"filename=\"{i}.png\"\r\nContent-Type: image/png\r\n\r\n".encode() + data + b"\r\n"
             for i, data in enumerate(files)]
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), boundary


class LoopProbe:
    """The app, wrapped to remember the event loop it is served on."""

    def __init__(self, app: Any):
        self.app = app
        self.loop: asyncio.AbstractEventLoop | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.loop = asyncio.get_running_loop()
        await self.app(scope, receive, send)

    def lag(self) -> float:
        """Seconds until the loop runs a no-op handed to it now."""
        assert self.loop is not None
        started = time.perf_counter()
        asyncio.run_coroutine_threadsafe(asyncio.sleep(0), self.loop).result(timeout=60)
        return time.perf_counter() - started


class Batches:
    """Batch predictions of 32 small photos, each resized to 1024x1024 by the model's
    preprocessing, sent to a real server one after another."""

    def __init__(self, host: str, model: str):
        rng = np.random.default_rng(0)
        self.body, boundary = _multipart(
            [png(rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)) for _ in range(32)])
        self.url = f"http://{host}/api/models/{model}/predict/batch"
        self.headers = {"content-type": f"multipart/form-data; boundary={boundary}"}
        self.statuses: list[int] = []

    def send(self, times: int) -> None:
        for _ in range(times):
            request = urllib.request.Request(self.url, data=self.body, headers=self.headers)
            with urllib.request.urlopen(request, timeout=120) as response:
                self.statuses.append(response.status)


def _watch(probe: LoopProbe, host: str, batches: Batches) -> tuple[float, float, int]:
    """(the longest loop stall, the median /api/health time, probes) during 2 batches."""
    sender = threading.Thread(target=batches.send, args=(2,))
    sender.start()
    lags: list[float] = []
    took: list[float] = []
    while sender.is_alive():
        lags.append(probe.lag())
        started = time.perf_counter()
        urllib.request.urlopen(f"http://{host}/api/health", timeout=60).close()
        took.append(time.perf_counter() - started)
        time.sleep(0.005)
    sender.join()
    return max(lags), statistics.median(took), len(took)


def test_health_stays_fast_while_a_heavy_batch_prediction_runs(tmp_path: Path) -> None:
    store = ModelStore(tmp_path)
    model = add_random(store, "big input", BIG_INPUT, ["a", "b", "c", "d"],
                       {"channels": 3, "height": 1024, "width": 1024, "mean": [0.5] * 3,
                        "std": [0.25] * 3})
    probe = LoopProbe(create_app(make_settings(models_dir=tmp_path)))
    tries: list[tuple[float, float, int]] = []
    with serving(probe) as host:  # type: ignore[arg-type]
        batches = Batches(host, model)
        batches.send(1)  # warm: the first request loads the model and imports what it needs
        while len(tries) < 3 and not (tries and max(tries[-1][:2]) < LIMIT):
            tries.append(_watch(probe, host, batches))
    assert batches.statuses == [200] * (1 + 2 * len(tries))
    report = "; ".join(f"loop stalled up to {lag * 1000:.0f} ms, /api/health median "
                       f"{health * 1000:.1f} ms ({n} probes)" for lag, health, n in tries)
    print(report)
    assert all(n > 10 for _, _, n in tries), report
    assert max(tries[-1][:2]) < LIMIT, report
