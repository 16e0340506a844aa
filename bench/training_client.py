"""Our side of bench/training.py: a run started with POST /api/runs on a real server and
watched by one websocket client that receives and decodes everything, as a page would."""

from __future__ import annotations

import contextlib
import json
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bench.harness import auth_headers, request_json, session_token
from bench.training_timing import Cpu, CpuMeter, Window, cpu_delta, images_through
from server.training.spec import TrainingConfig

PRESET, DATASET = "lenet-mnist", "mnist"
RECV_TIMEOUT_S = 60.0  # no message for this long: something is stuck
RUN_TIMEOUT_S = 900.0
FINAL = ("finished", "stopped", "failed")


@dataclass
class Seen:
    """A step event, when this client received it, and the CPU counters at that moment."""

    at: float
    event: dict[str, Any]
    cpu: Cpu | None = None


@dataclass
class Watched:
    """What one websocket client saw of one run (times: this process's perf_counter)."""

    run_id: str
    status: str = "queued"
    message: str = ""
    model_id: str | None = None
    posted: float = 0.0  # POST /api/runs sent
    running_at: float | None = None  # status "running" received
    first_step_at: float | None = None
    ended_at: float = 0.0  # final status received
    steps: list[Seen] = field(default_factory=list)
    events: Counter[str] = field(default_factory=Counter)
    text_bytes: int = 0
    binary_frames: int = 0
    binary_bytes: int = 0
    dropped: int = 0

    def fold(self, event: dict[str, Any], now: float, cpu: Cpu | None) -> None:
        kind = str(event.get("type"))
        self.events[kind] += 1
        self.dropped = max(self.dropped, int(event.get("dropped", 0)))
        if kind == "snapshot":
            # Steps from before we connected have no receive time and are not timed. A warm
            # worker may already be training when the client connects: its start and first
            # step are then known only as "by now" (an upper bound).
            self.status = event["run"]["status"]
            if self.status != "queued" and self.running_at is None:
                self.running_at = now
            if event.get("steps") and self.first_step_at is None:
                self.first_step_at = now
        elif kind == "status":
            self.status, self.message = event["status"], event.get("message", "")
            if self.status == "running" and self.running_at is None:
                self.running_at = now
            if self.status in FINAL:
                self.ended_at = now
        elif kind == "step":
            if self.first_step_at is None:
                self.first_step_at = now
            self.steps.append(Seen(now, event, cpu))
        elif kind == "model":
            self.model_id = event["model_id"]


def timed_windows(steps: Sequence[Seen], n: int, batch: int) -> list[Window]:
    """Per epoch: from its first step event in `steps` to its last one (validation between
    epochs is never inside a window)."""
    by_epoch: dict[int, list[Seen]] = {}
    for seen in steps:
        by_epoch.setdefault(int(seen.event["epoch"]), []).append(seen)
    out = []
    for _, group in sorted(by_epoch.items()):
        first, last = group[0], group[-1]
        if last is first:
            continue
        images = (images_through(int(last.event["epoch_step"]), batch, n)
                  - images_through(int(first.event["epoch_step"]), batch, n))
        out.append(Window(images, last.at - first.at, float(last.event["samples_per_s"]),
                          cpu_delta(first.cpu, last.cpu)))
    return out


class RunClient:
    """One run started with POST /api/runs and watched by one websocket client that
    receives and decodes everything, as a page would."""

    def __init__(self, base: str, config: TrainingConfig, meter: CpuMeter | None = None):
        from websockets.sync.client import connect

        self.base, self.meter = base, meter
        self.token = session_token(base)  # the run and its socket belong to this session
        body = {"network": {"preset": PRESET}, "dataset": DATASET,
                "training": config.model_dump(mode="json")}
        posted = time.perf_counter()
        self.watched = Watched(
            request_json("POST", f"{base}/api/runs", body, self.token)["id"], posted=posted)
        self.deadline = posted + RUN_TIMEOUT_S
        url = f"ws://{base.removeprefix('http://')}/ws/runs/{self.watched.run_id}"
        self.stack = contextlib.ExitStack()
        try:
            self.ws = self.stack.enter_context(
                connect(url, max_size=None, compression=None, open_timeout=10,
                        additional_headers=auth_headers(self.token)))
        except BaseException:
            self.stop_quietly()
            raise

    def __enter__(self) -> RunClient:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.watched.status not in FINAL:
            self.stop_quietly()  # never leave a worker training behind us
        self.stack.close()

    def stop_quietly(self) -> None:
        with contextlib.suppress(Exception):
            request_json("POST", f"{self.base}/api/runs/{self.watched.run_id}/stop",
                     token=self.token)

    def command(self, action: str) -> None:
        request_json("POST", f"{self.base}/api/runs/{self.watched.run_id}/{action}",
                 token=self.token)

    def read_one(self) -> None:
        """Receive one message (JSON text, or a binary frame) and take it in."""
        if time.perf_counter() > self.deadline:
            raise RuntimeError(f"run {self.watched.run_id} took over {RUN_TIMEOUT_S:.0f} s")
        message = self.ws.recv(timeout=RECV_TIMEOUT_S)
        now = time.perf_counter()
        if isinstance(message, bytes):
            self.watched.binary_frames += 1
            self.watched.binary_bytes += len(message)
            return
        self.watched.text_bytes += len(message)
        event = json.loads(message)
        cpu = None
        if self.meter is not None and event.get("type") == "step":
            if not self.meter.ready:
                self.meter.attach_worker()  # it is training now: the newest child
            cpu = self.meter.sample()
        self.watched.fold(event, now, cpu)

    def read_until_status(self, *statuses: str) -> None:
        while self.watched.status not in statuses:
            self.read_one()
            if self.watched.status in FINAL and self.watched.status not in statuses:
                raise RuntimeError(f"run {self.watched.run_id} ended {self.watched.status}: "
                                   f"{self.watched.message}")

    def read_to_end(self) -> Watched:
        self.read_until_status(*FINAL)
        return self.watched


def watch_run(base: str, config: TrainingConfig, meter: CpuMeter | None = None) -> Watched:
    """A whole run, start to end, with one client reading everything."""
    with RunClient(base, config, meter) as client:
        return client.read_to_end()
