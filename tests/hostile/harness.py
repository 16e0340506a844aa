"""The hostile suite's server and its bookkeeping: the app in its own process (real uvicorn,
small caps), every request counted with its status and time, /api/health polled from a
third process, and the server's resident memory read from /proc."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

HERE = Path(__file__).resolve().parent
# Small caps, so that the memory bound below is tight (the image cache's minimum is 1 MiB).
SMALL_CAPS: dict[str, Any] = {
    "image_cache_bytes": 8 * 1024 * 1024,
    "max_upload_bytes": 2 * 1024 * 1024,
    "max_image_pixels": 4_000_000,
    "max_model_bytes": 2 * 1024 * 1024,
    "loaded_models": 2,
    "warm_workers": 1,
    "warm_start": False,
    "session_max_active_runs": 1,
    "session_max_queued_runs": 0,
    "session_max_upload_bytes": 4 * 1024 * 1024,
    "ws_send_timeout": 2.0,
    # One OpenCV thread per filter: the other core stays free for the event loop.
    "cv_threads": 1,
    "allowed_hosts": [],
}
CACHE_CAP_BYTES = SMALL_CAPS["image_cache_bytes"]
SLOW_SECONDS = 2.0
HEALTH_BUDGET_MS = 50.0


def rss_bytes(pid: int) -> int:
    """Resident memory of a process (/proc/<pid>/statm: pages; psutil is not in the lock)."""
    resident = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
    return resident * os.sysconf("SC_PAGE_SIZE")


@dataclass
class Tally:
    """Every hostile request: what it was, its status and how long it took."""

    calls: list[tuple[str, int, float, float]] = field(default_factory=list)

    def record(self, label: str, status: int, started: float, seconds: float) -> None:
        self.calls.append((label, status, started, seconds))

    def count(self, prefix: str = "") -> int:
        return sum(1 for c in self.calls if c[0].startswith(prefix))

    def server_errors(self) -> list[str]:
        return [f"{label} -> {status}" for label, status, _, _ in self.calls if status >= 500]

    def slowest(self) -> tuple[float, str]:
        return max(((c[3], c[0]) for c in self.calls), default=(0.0, ""))

    def labels(self) -> Counter[str]:
        return Counter(c[0].split(" [")[0] for c in self.calls)

    def during(self, start: float, end: float) -> list[str]:
        """Requests that were being answered between start and end (monotonic seconds)."""
        return [c[0] for c in self.calls if c[2] < end and c[2] + c[3] > start]


@dataclass
class Server:
    host: str
    pid: int
    log: Path
    tally: Tally
    token: str = ""
    rss: tuple[int, int] = (0, 0)  # bytes resident when the suite started, and now
    loaded_from: float = 0.0  # monotonic time the hostile requests began (health before: idle)

    @property
    def base(self) -> str:
        return f"http://{self.host}"

    def headers(self, token: str | None = None) -> dict[str, str]:
        """A session's bearer token, and the server's own Origin (the cross-origin check lets
        state-changing requests through only from the server's pages)."""
        return {"Authorization": f"Bearer {token or self.token}", "Origin": self.base}

    def new_token(self) -> str:
        answer = requests.post(self.base + "/api/sessions", headers={"Origin": self.base},
                               timeout=10)
        assert answer.status_code == 201, answer.text
        return str(answer.json()["token"])

    def send(self, method: str, path: str, label: str = "", **kwargs: Any) -> requests.Response:
        """One counted request (a session's headers unless given)."""
        kwargs.setdefault("headers", self.headers())
        kwargs.setdefault("timeout", 10)  # a hang fails in 10 s (slow is over 2 s)
        started = time.monotonic()
        answer = requests.request(method, self.base + path, **kwargs)
        self.tally.record(label or f"{method} {path}", answer.status_code, started,
                          time.monotonic() - started)
        return answer

    def health(self) -> list[tuple[float, float, int]]:
        """/api/health so far: (monotonic start, milliseconds, status) per poll."""
        path = self.log.with_name("health.txt")
        rows = [line.split() for line in path.read_text().splitlines()] if path.exists() else []
        return [(float(r[0]), float(r[1]), int(r[2])) for r in rows if len(r) == 3]

    def health_budget_ms(self) -> float:
        """HEALTH_BUDGET_MS over the machine's own noise: the p99 of the idle server's
        answers just before the hostile requests (about 2 ms on a quiet machine)."""
        idle = [ms for start, ms, _ in self.health() if start < self.loaded_from]
        return HEALTH_BUDGET_MS + percentile(idle, 0.99)

    def log_errors(self) -> list[str]:
        """Tracebacks the server logged (a failure answered as an error still logs one)."""
        return [line for line in self.log.read_text(errors="replace").splitlines()
                if line.startswith("Traceback")]


@contextmanager
def running_server(folder: Path, **overrides: Any) -> Iterator[Server]:
    """The app with SMALL_CAPS (and `overrides`) on its own uvicorn process."""
    settings = {**SMALL_CAPS, "models_dir": str(folder / "models"), **overrides}
    log = folder / "server.log"
    with log.open("w") as stderr:
        process = subprocess.Popen([sys.executable, str(HERE / "server_process.py"),
                                    json.dumps(settings)], stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, stderr=stderr, text=True)
    try:
        assert process.stdout is not None
        host = process.stdout.readline().strip()
        assert host, f"the server did not start: {log.read_text()[-3000:]}"
        server = Server(host, process.pid, log, Tally())
        server.token = server.new_token()
        yield server
    finally:
        for pipe in (process.stdin, process.stdout):
            if pipe is not None:
                pipe.close()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def watching_health(server: Server) -> Iterator[None]:
    """Polls /api/health from another process while the block runs (server.health())."""
    process = subprocess.Popen([sys.executable, str(HERE / "health_poller.py"), server.host,
                                str(server.log.with_name("health.txt"))], stdin=subprocess.PIPE)
    try:
        yield
    finally:
        assert process.stdin is not None
        process.stdin.close()
        process.wait(timeout=30)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def is_error_shape(body: Any) -> bool:
    """{"detail": [{"loc": [...], "msg": "...", "type": "..."}, ...]} with a message."""
    detail = body.get("detail") if isinstance(body, dict) else None
    return isinstance(detail, list) and bool(detail) and all(
        isinstance(d, dict) and isinstance(d.get("loc"), list) and isinstance(d.get("msg"), str)
        and d["msg"] and isinstance(d.get("type"), str) for d in detail)
