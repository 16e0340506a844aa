"""Live training benchmark: our run machinery against a bare PyTorch loop, and LeNet on
MNIST end to end.

    .venv/bin/python bench/training.py [--quick] [--device cpu|cuda] [--json out.json]

The same network (preset lenet-mnist through `build_model`), the same prepared tensors
(`server.training.data.prepare` with the run's split and seed, as `Session.build` does),
Adam lr 0.001, batch 64, the same seeded batch order, and the same torch thread count as
the worker (`Settings().train_threads or default_threads()`) on both sides:

- bare: a plain loop in this process over tensors already in memory (on the device): index
  a batch, forward, cross-entropy, backward, step. Nothing else.
- ours: a real server in a subprocess (`python -m bench.harness serve`: `create_app` and
  uvicorn as `cnn-playground serve`, default settings, so default streaming), a run started
  with POST /api/runs, and one websocket client on /ws/runs/{id} that receives and decodes
  everything (JSON text frames and binary frames), as a page would.

Images/s are timed from the end of a batch to the end of a later one on both sides: the
bare loop with perf_counter, ours with the client's receive times of step events (the loop
emits one after the first batch of an epoch, then every stream_interval, and after the
last); images come from the events' epoch_step. Start-up, validation and saving are never
inside a window; they are reported apart. Three parts:

1. Whole runs: bare and ours alternate (bare, ours, ours, bare, ...), a fresh run and a
   fresh bare model each time, each epoch a window. Ours is cross-checked with the run's
   own `samples_per_s`.
2. Interleaved: one run and one bare loop take turns every few seconds (the run is paused
   with POST /api/runs/{id}/pause while the bare loop trains), so that the load of a shared
   machine falls on both alike. On Linux it also reads CPU time: the training thread's
   (the worker's main thread from /proc, the bare loop's time.thread_time), the worker's
   other threads (event pickling), the server and this client.
3. End to end: a fresh server, one 3-epoch run with the default settings watched by one
   client; test accuracy from the saved model's manifest (`metrics.test_accuracy`); wall
   time from launching the server, and from POST /api/runs, to the final status.

Models go to a temporary CNNPG_MODELS_DIR that is deleted at the end. Machines are noisy:
absolute numbers are indicative, the ratios are the result. This is a benchmark, not a
test: it always exits 0 unless something breaks.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import platform
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

if __package__ in (None, ""):  # run as a script: make `bench` and `server` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import median, running_server
from bench.kernels import table
from server.config import Settings
from server.datasets.registry import DatasetRegistry
from server.nn.build import build_model
from server.nn.presets import Presets
from server.nn.spec import NetworkSpec
from server.training.data import Prepared, prepare
from server.training.spec import TrainingConfig
from server.training.worker import default_threads

PRESET, DATASET = "lenet-mnist", "mnist"
RATIO_TARGET, RATIO_FLOOR = 0.95, 0.90  # ours / bare images per second
ACCURACY_TARGET, E2E_TARGET_S, E2E_EPOCHS = 0.97, 60.0, 3
RECV_TIMEOUT_S = 60.0  # no message for this long: something is stuck
RUN_TIMEOUT_S = 900.0
FINAL = ("finished", "stopped", "failed")
Cpu = dict[str, float]  # CPU seconds used so far, by part ("train", "worker", ...)


def training_config(epochs: int, device: str) -> TrainingConfig:
    """What the issue asks for: Adam, lr 0.001, batch 64; the rest as the app defaults."""
    return TrainingConfig(optimizer="adam", learning_rate=0.001, batch_size=64, epochs=epochs,
                          device="cuda" if device == "cuda" else "cpu")


def machine(device: torch.device, threads: int) -> list[str]:
    model = platform.processor() or "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    lines = [f"CPU: {model}, {os.cpu_count()} logical cores",
             f"Python {platform.python_version()}, torch {torch.__version__}; device "
             f"{device.type}; torch threads {threads} (the worker's: train_threads or "
             f"default_threads(); torch's own default here is {os.cpu_count()})"]
    if device.type == "cuda":
        lines.append(f"GPU: {torch.cuda.get_device_name(device)}")
    return lines


# ----------------------------------------------------------------------------- timing


@dataclass
class Window:
    """Images trained between two instants, the seconds between them, and (where read)
    the CPU seconds each part used in between."""

    images: int
    seconds: float
    reported: float | None = None  # ours: the last step event's samples_per_s
    cpu: Cpu = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.images / self.seconds

    def cpu_rate(self, part: str = "train") -> float | None:
        used = self.cpu.get(part)
        return self.images / used if used else None


def merge(windows: Sequence[Window]) -> Window:
    cpu: Cpu = {}
    for w in windows:
        for k, v in w.cpu.items():
            cpu[k] = cpu.get(k, 0.0) + v
    return Window(sum(w.images for w in windows), sum(w.seconds for w in windows), None, cpu)


def images_through(step: int, batch: int, n: int) -> int:
    """Images trained after `step` batches of an epoch of n images."""
    return min(step * batch, n)


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _schedstat_s(path: Path) -> float:
    """A task's time on a CPU, from /proc/.../schedstat (nanoseconds)."""
    return int(path.read_text().split()[0]) / 1e9


def _process_s(pid: int) -> float:
    total = 0.0
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError, ValueError, IndexError):
            total += _schedstat_s(task / "schedstat")
    return total


class CpuMeter:
    """CPU seconds used so far by our processes, from Linux's /proc: the worker's main
    thread (where torch trains with the worker's thread count), the worker as a whole, the
    server, and this process (the websocket client, while the bare loop idles)."""

    def __init__(self, port: int):
        self.server = self._find(lambda cmd, ppid: "bench.harness" in cmd
                                 and f"--port\0{port}\0" in cmd + "\0")
        self.worker: int | None = None

    @staticmethod
    def _find(match: Any) -> int | None:
        """The newest process whose (cmdline, parent pid) matches."""
        found: list[tuple[int, int]] = []
        try:
            entries = list(Path("/proc").iterdir())
        except OSError:  # not Linux: no CPU figures
            return None
        for entry in entries:
            if not entry.name.isdigit():
                continue
            with contextlib.suppress(OSError, ValueError, IndexError):
                cmd = (entry / "cmdline").read_bytes().decode(errors="replace")
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                if match(cmd, int(stat[1])):
                    found.append((int(stat[19]), int(entry.name)))  # (start time, pid)
        return max(found)[1] if found else None

    def attach_worker(self) -> None:
        """The running worker: the newest spawned child of the server."""
        server = self.server
        self.worker = None if server is None else self._find(
            lambda cmd, ppid: ppid == server and "spawn_main" in cmd)

    @property
    def ready(self) -> bool:
        return self.server is not None and self.worker is not None

    def sample(self) -> Cpu | None:
        if self.server is None or self.worker is None:
            return None
        try:
            return {"train": _schedstat_s(Path(f"/proc/{self.worker}/task/{self.worker}/"
                                                "schedstat")),
                    "worker": _process_s(self.worker), "server": _process_s(self.server),
                    "client": time.process_time()}
        except (OSError, ValueError, IndexError):
            return None


def port_of(base: str) -> int:
    return int(base.rsplit(":", 1)[1])


def cpu_delta(before: Cpu | None, after: Cpu | None) -> Cpu:
    if not before or not after:
        return {}
    return {k: after[k] - before[k] for k in after if k in before}


# ----------------------------------------------------------------------------- bare


class BareLoop:
    """The baseline: the same model, data, optimizer and batches (the same seeded order as
    the trainer), nothing else: index a batch, forward, cross-entropy, backward, step."""

    def __init__(self, spec: NetworkSpec, data: Prepared, config: TrainingConfig,
                 device: torch.device):
        torch.manual_seed(config.seed)  # as Session.trainer does before build_model
        self.model = build_model(spec).to(device)
        self.model.train()
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=config.learning_rate)
        self.loss_fn = nn.CrossEntropyLoss()
        self.x_all, self.y_all = data.train_x.to(device), data.train_y.to(device)
        self.generator = torch.Generator().manual_seed(config.seed)
        self.device, self.bs, self.n = device, config.batch_size, len(data.train_y)
        self.steps_per_epoch = math.ceil(self.n / self.bs)
        self.i = self.steps_per_epoch  # the next batch's index in the epoch
        self.order = torch.empty(0, dtype=torch.int64)

    def step(self) -> int:
        """One batch; returns its size."""
        if self.i >= self.steps_per_epoch:
            self.order = torch.randperm(self.n, generator=self.generator).to(self.device)
            self.i = 0
        index = self.order[self.i * self.bs:(self.i + 1) * self.bs]
        self.i += 1
        loss = self.loss_fn(self.model.logits(self.x_all[index]), self.y_all[index])
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        return len(index)

    def _timed(self, more: Any) -> Window:
        """One batch, then batches while more(started) is true, timed (wall and this
        thread's CPU) from the end of the first batch to the end of the last."""
        self.step()
        sync(self.device)
        started, cpu, images = time.perf_counter(), time.thread_time(), 0
        while more(started):
            images += self.step()
        sync(self.device)
        return Window(images, time.perf_counter() - started, None,
                      {"train": time.thread_time() - cpu})

    def epoch(self) -> Window:
        """One whole epoch (a fresh shuffle), as ours times an epoch."""
        self.i = self.steps_per_epoch
        return self._timed(lambda _: self.i < self.steps_per_epoch)

    def run_for(self, seconds: float) -> Window:
        """About `seconds` of batches, as ours is timed after a resume."""
        return self._timed(lambda started: time.perf_counter() - started < seconds)


def bare_run(spec: NetworkSpec, data: Prepared, config: TrainingConfig,
             device: torch.device) -> list[Window]:
    loop = BareLoop(spec, data, config, device)
    return [loop.epoch() for _ in range(config.epochs)]


# ----------------------------------------------------------------------------- ours


def _request(method: str, url: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        answer: dict[str, Any] = json.load(response)
    return answer


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
            # Steps from before we connected have no receive time and are not timed (none
            # here: the client connects while the worker is still starting).
            self.status = event["run"]["status"]
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
        body = {"network": {"preset": PRESET}, "dataset": DATASET,
                "training": config.model_dump(mode="json")}
        posted = time.perf_counter()
        self.watched = Watched(_request("POST", f"{base}/api/runs", body)["id"], posted=posted)
        self.deadline = posted + RUN_TIMEOUT_S
        url = f"ws://{base.removeprefix('http://')}/ws/runs/{self.watched.run_id}"
        self.stack = contextlib.ExitStack()
        try:
            self.ws = self.stack.enter_context(
                connect(url, max_size=None, compression=None, open_timeout=10))
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
            _request("POST", f"{self.base}/api/runs/{self.watched.run_id}/stop")

    def command(self, action: str) -> None:
        _request("POST", f"{self.base}/api/runs/{self.watched.run_id}/{action}")

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


def _verdict_ratio(ratio: float) -> str:
    if ratio >= RATIO_TARGET:
        return "met"
    return f"MISSED ({'above' if ratio >= RATIO_FLOOR else 'BELOW'} the {RATIO_FLOOR} floor)"


# ----------------------------------------------------------------------------- 1. whole runs


@dataclass
class Round:
    order: list[str]
    bare: list[Window]
    ours: list[Window]
    to_running_s: float  # POST -> status running (worker spawned, imports, data prepared)
    startup_s: float  # POST -> first step event
    after_s: float  # last step event -> final status (validation, test, save)
    events: dict[str, int]
    text_bytes: int
    binary_frames: int
    binary_bytes: int
    dropped: int
    run_seconds: float  # first step event -> final status

    @property
    def ratio(self) -> float:
        return median([e.rate for e in self.ours]) / median([e.rate for e in self.bare])

    @property
    def cpu_ratio(self) -> float | None:
        ours = [r for r in (e.cpu_rate() for e in self.ours) if r]
        bare = [r for r in (e.cpu_rate() for e in self.bare) if r]
        return median(ours) / median(bare) if ours and bare else None


def whole_runs(base: str, spec: NetworkSpec, data: Prepared, config: TrainingConfig,
               device: torch.device, rounds: int) -> list[Round]:
    n, bs = len(data.train_y), config.batch_size
    out = []
    for r in range(rounds):
        order = ["bare", "ours"] if r % 2 == 0 else ["ours", "bare"]
        bare: list[Window] = []
        watched: Watched | None = None
        for side in order:
            if side == "bare":
                bare = bare_run(spec, data, config, device)
            else:
                watched = watch_run(base, config, CpuMeter(port_of(base)))
        assert watched is not None
        if watched.status != "finished":
            raise RuntimeError(f"run {watched.run_id} ended {watched.status}: "
                               f"{watched.message}")
        ours = timed_windows(watched.steps, n, bs)
        if len(ours) != config.epochs:
            raise RuntimeError(f"timed {len(ours)} of {config.epochs} epochs of "
                               f"{watched.run_id}")
        assert watched.first_step_at is not None
        assert watched.running_at is not None
        result = Round(order, bare, ours, watched.running_at - watched.posted,
                       watched.first_step_at - watched.posted,
                       watched.ended_at - watched.steps[-1].at, dict(watched.events),
                       watched.text_bytes, watched.binary_frames, watched.binary_bytes,
                       watched.dropped, watched.ended_at - watched.first_step_at)
        print(f"  round {r + 1}/{rounds} ({' then '.join(order)}): bare "
              f"{median([e.rate for e in bare]):.0f} img/s, ours "
              f"{median([e.rate for e in ours]):.0f} img/s, ratio {result.ratio:.3f}",
              flush=True)
        out.append(result)
    return out


def summarize_rounds(rounds: list[Round]) -> dict[str, Any]:
    bare = [e.rate for r in rounds for e in r.bare]
    ours = [e.rate for r in rounds for e in r.ours]
    reported = [e.reported for r in rounds for e in r.ours if e.reported is not None]
    ratio = median(ours) / median(bare)
    return {"bare_img_s": median(bare), "bare_min": min(bare), "bare_max": max(bare),
            "ours_img_s": median(ours), "ours_min": min(ours), "ours_max": max(ours),
            "ours_reported_img_s": median(reported), "ratio": ratio,
            "reported_ratio": median(reported) / median(bare),
            "round_ratios": [r.ratio for r in rounds], "verdict": _verdict_ratio(ratio),
            "cpu_ratios": [r.cpu_ratio for r in rounds],
            "to_running_s": median([r.to_running_s for r in rounds]),
            "startup_s": median([r.startup_s for r in rounds]),
            "after_s": median([r.after_s for r in rounds])}


def print_rounds(rounds: list[Round], s: dict[str, Any], config: TrainingConfig,
                 n: int, threads: int) -> None:
    print(f"\n1. Whole runs, {PRESET} on the built-in {DATASET} ({n} training images), "
          f"{config.epochs} epoch(s) per run, {len(rounds)} rounds alternated; images/s per "
          "epoch, from the end of its first batch to the end of its last")
    rows = [[str(i + 1), " then ".join(r.order), " ".join(f"{e.rate:.0f}" for e in r.bare),
             " ".join(f"{e.rate:.0f}" for e in r.ours),
             " ".join(f"{e.reported:.0f}" for e in r.ours if e.reported is not None),
             f"{r.ratio:.3f}", "-" if r.cpu_ratio is None else f"{r.cpu_ratio:.3f}",
             f"{r.to_running_s:.1f}", f"{r.startup_s:.1f}", f"{r.after_s:.1f}"]
            for i, r in enumerate(rounds)]
    print(table(["round", "order", "bare img/s", "ours img/s", "ours samples_per_s",
                 "ours/bare", "ours/bare (CPU)", "to running s", "to 1st step s",
                 "after last step s"], rows))
    print(f"median over epochs: bare {s['bare_img_s']:.0f} img/s ({s['bare_min']:.0f}-"
          f"{s['bare_max']:.0f}), ours {s['ours_img_s']:.0f} img/s ({s['ours_min']:.0f}-"
          f"{s['ours_max']:.0f}; its own samples_per_s {s['ours_reported_img_s']:.0f})")
    print(f"ratio ours/bare {s['ratio']:.3f} (rounds {min(s['round_ratios']):.3f}-"
          f"{max(s['round_ratios']):.3f}; with samples_per_s {s['reported_ratio']:.3f}); "
          f"target >= {RATIO_TARGET}, never below {RATIO_FLOOR}: {s['verdict']}")
    cpu = [r for r in s["cpu_ratios"] if r is not None]
    if cpu:
        print(f"training thread's images per CPU-second, ours/bare: median {median(cpu):.3f} "
              f"({min(cpu):.3f}-{max(cpu):.3f})")
        cpu_note(threads)
    first = rounds[0]
    print(f"stream seen by the client (round 1, {first.run_seconds:.1f} s from the first step "
          "to the end): " + ", ".join(f"{k} {v}" for k, v in sorted(first.events.items()))
          + f"; {first.text_bytes / 1024:.0f} KiB of JSON, {first.binary_frames} binary "
          f"frames ({first.binary_bytes / 1024:.0f} KiB), dropped {first.dropped}")
    print(f"start-up, not in the throughput (medians): POST -> status running "
          f"{s['to_running_s']:.1f} s (spawn, imports, data), POST -> first step "
          f"{s['startup_s']:.1f} s; after the last step: validation, test, save "
          f"{s['after_s']:.1f} s")


# ----------------------------------------------------------------------------- 2. interleaved


@dataclass
class Pair:
    order: list[str]
    bare: Window
    ours: Window

    @property
    def ratio(self) -> float:
        return self.ours.rate / self.bare.rate

    @property
    def cpu_ratio(self) -> float | None:
        ours, bare = self.ours.cpu_rate(), self.bare.cpu_rate()
        return ours / bare if ours and bare else None


def ours_segment(client: RunClient, seconds: float, n: int, batch: int) -> Window:
    """Resume, read everything for about `seconds` of training, pause: the windows between
    the segment's first and last step events (split at epoch ends)."""
    steps = client.watched.steps
    first = len(steps)
    client.command("resume")
    while len(steps) <= first or steps[-1].at - steps[first].at < seconds:
        client.read_one()
    client.command("pause")
    client.read_until_status("paused")  # step events that arrive meanwhile count too
    return merge(timed_windows(steps[first:], n, batch))


def interleaved(base: str, spec: NetworkSpec, data: Prepared, config: TrainingConfig,
                device: torch.device, pairs: int, seconds: float) -> list[Pair]:
    """One run and one bare loop take turns: the run is paused while the bare loop trains
    (a paused worker waits in a 0.2 s poll) and the bare loop idles while the run trains."""
    n, bs = len(data.train_y), config.batch_size
    bare = BareLoop(spec, data, config, device)
    meter = CpuMeter(port_of(base))
    out = []
    with RunClient(base, config.model_copy(update={"epochs": 500}), meter) as client:
        watched = client.watched
        while watched.first_step_at is None or watched.steps[-1].at - watched.first_step_at < 1:
            client.read_one()  # warm-up, not timed
        meter.attach_worker()
        client.command("pause")
        client.read_until_status("paused")
        bare.run_for(1.0)  # warm-up, not timed
        for k in range(pairs):
            order = ["bare", "ours"] if k % 2 == 0 else ["ours", "bare"]
            timed: dict[str, Window] = {}
            for side in order:
                timed[side] = (bare.run_for(seconds) if side == "bare" else
                               ours_segment(client, seconds, n, bs))
            out.append(Pair(order, timed["bare"], timed["ours"]))
        client.command("stop")
        client.read_to_end()
    return out


def summarize_pairs(pairs: list[Pair], seconds: float) -> dict[str, Any]:
    ratios = [p.ratio for p in pairs]
    ours, bare = merge([p.ours for p in pairs]), merge([p.bare for p in pairs])
    summary: dict[str, Any] = {
        "pairs": len(pairs), "segment_s": seconds, "ratio_median": median(ratios),
        "ratio_min": min(ratios), "ratio_max": max(ratios),
        "ratio_pooled": ours.rate / bare.rate, "bare_img_s": median([p.bare.rate for p in pairs]),
        "ours_img_s": median([p.ours.rate for p in pairs]),
        "verdict": _verdict_ratio(median(ratios))}
    cpu_ratios = [r for r in (p.cpu_ratio for p in pairs) if r is not None]
    if cpu_ratios and "train" in ours.cpu and "train" in bare.cpu:
        per_k = {part: used / ours.images * 1000 for part, used in ours.cpu.items()}
        summary.update({
            "cpu_ratio_median": median(cpu_ratios), "cpu_ratio_min": min(cpu_ratios),
            "cpu_ratio_max": max(cpu_ratios),
            "bare_train_ms_per_1000": bare.cpu["train"] / bare.images * 1000 * 1000,
            "ours_ms_per_1000": {
                "training thread": per_k["train"] * 1000,
                "worker's other threads": (per_k["worker"] - per_k["train"]) * 1000,
                "server": per_k["server"] * 1000, "client": per_k["client"] * 1000}})
    return summary


def cpu_note(threads: int) -> None:
    if threads > 1:
        print(f"(torch runs {threads} threads here: the CPU columns count the main thread "
              "only, on both sides, and the others land in the worker's other threads)")


def print_pairs(pairs: list[Pair], s: dict[str, Any], threads: int) -> None:
    print(f"\n2. Interleaved in one run: {len(pairs)} pairs of ~{s['segment_s']:g} s segments, "
          "the run paused while the bare loop trains and the other way round")
    rows = []
    for i, p in enumerate(pairs):
        cpu_b, cpu_o, cpu_r = p.bare.cpu_rate(), p.ours.cpu_rate(), p.cpu_ratio
        rows.append([str(i + 1), " then ".join(p.order), f"{p.bare.rate:.0f}",
                     f"{p.ours.rate:.0f}", f"{p.ratio:.3f}",
                     f"{cpu_b:.0f}" if cpu_b else "-", f"{cpu_o:.0f}" if cpu_o else "-",
                     f"{cpu_r:.3f}" if cpu_r else "-"])
    print(table(["pair", "order", "bare img/s", "ours img/s", "ours/bare",
                 "bare img/CPU-s", "ours img/CPU-s", "ours/bare (CPU)"], rows))
    print(f"ratio ours/bare (wall): median of pairs {s['ratio_median']:.3f} "
          f"({s['ratio_min']:.3f}-{s['ratio_max']:.3f}), pooled {s['ratio_pooled']:.3f}; "
          f"target >= {RATIO_TARGET}, never below {RATIO_FLOOR}: {s['verdict']}")
    if "cpu_ratio_median" in s:
        print(f"training thread's images per CPU-second, ours/bare: median "
              f"{s['cpu_ratio_median']:.3f} ({s['cpu_ratio_min']:.3f}-{s['cpu_ratio_max']:.3f})")
        parts = ", ".join(f"{k} {v:.0f}" for k, v in s["ours_ms_per_1000"].items())
        print(f"CPU ms per 1000 images: bare training thread {s['bare_train_ms_per_1000']:.0f}; "
              f"ours: {parts}")
        cpu_note(threads)


# ----------------------------------------------------------------------------- 3. end to end


def end_to_end(env: dict[str, str], models_dir: Path, config: TrainingConfig) -> dict[str, Any]:
    launched = time.perf_counter()
    with running_server(env=env) as base:
        server_s = time.perf_counter() - launched
        watched = watch_run(base, config)
    if watched.status != "finished" or watched.model_id is None:
        raise RuntimeError(f"the end-to-end run ended {watched.status}: {watched.message}")
    manifest = json.loads((models_dir / watched.model_id / "manifest.json").read_text())
    metrics = manifest["metrics"]
    assert watched.first_step_at is not None
    return {"epochs": config.epochs, "test_accuracy": float(metrics["test_accuracy"]),
            "val_accuracy": metrics.get("val_accuracy"), "model_id": watched.model_id,
            "server_start_s": server_s, "post_to_end_s": watched.ended_at - watched.posted,
            "total_s": watched.ended_at - launched,
            "startup_s": watched.first_step_at - watched.posted,
            "training_s": watched.steps[-1].at - watched.first_step_at,
            "after_s": watched.ended_at - watched.steps[-1].at}


def print_end_to_end(e2e: dict[str, Any], judged: bool) -> None:
    print(f"\n3. End to end: {PRESET}, {e2e['epochs']} epoch(s), default settings, one "
          "websocket client, fresh server")

    def verdict(ok: bool, text: str) -> str:
        return f"{'met' if ok else 'MISSED'} ({text})" if judged else "- (quick: not judged)"

    limit = f"< {E2E_TARGET_S:.0f} s"
    rows = [["test accuracy (manifest)", f"{e2e['test_accuracy']:.4f}",
             verdict(e2e["test_accuracy"] >= ACCURACY_TARGET, f">= {ACCURACY_TARGET}")],
            ["server launch -> /api/health", f"{e2e['server_start_s']:.1f} s", ""],
            ["POST -> first step (start-up)", f"{e2e['startup_s']:.1f} s", ""],
            ["first step -> last step", f"{e2e['training_s']:.1f} s", ""],
            ["last step -> finished (validation, test, save)", f"{e2e['after_s']:.1f} s", ""],
            ["POST -> finished", f"{e2e['post_to_end_s']:.1f} s",
             verdict(e2e["post_to_end_s"] < E2E_TARGET_S, limit)],
            ["server launch -> finished", f"{e2e['total_s']:.1f} s",
             verdict(e2e["total_s"] < E2E_TARGET_S, limit)]]
    print(table(["", "value", "target"], rows))


# ----------------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true",
                        help="2 rounds of 1 epoch, 3 pairs, a 1-epoch end-to-end run")
    parser.add_argument("--device", choices=["cpu", "cuda"],
                        help="default: cuda when available, else cpu")
    parser.add_argument("--rounds", type=int, help="whole-run rounds (default 4; quick 2)")
    parser.add_argument("--epochs", type=int, help="epochs per whole run (default 2; quick 1)")
    parser.add_argument("--pairs", type=int, help="interleaved pairs (default 16; quick 3)")
    parser.add_argument("--segment", type=float, default=3.0,
                        help="seconds per interleaved segment (default 3)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    rounds = max(2, args.rounds or (2 if args.quick else 4))
    epochs = args.epochs or (1 if args.quick else 2)
    pairs = max(2, args.pairs or (3 if args.quick else 16))
    device = torch.device(args.device or ("cuda" if torch.cuda.is_available() else "cpu"))
    if device.type == "cuda" and not torch.cuda.is_available():
        raise SystemExit("--device cuda: torch sees no CUDA GPU here")

    settings = Settings()
    threads = settings.train_threads or default_threads()  # exactly what the worker sets
    torch.set_num_threads(threads)
    print("Training benchmark: " + " ".join(["bench/training.py", *(argv or sys.argv[1:])]))
    for line in machine(device, threads):
        print(line)
    print(f"load average at the start {os.getloadavg()[0]:.2f}; server settings (defaults "
          f"unless CNNPG_* says otherwise): stream_interval {settings.stream_interval:g} s, "
          f"probe_interval {getattr(settings, 'probe_interval', 'n/a')}, train_threads "
          f"{settings.train_threads}, max_concurrent_runs {settings.max_concurrent_runs}")

    registry = DatasetRegistry(settings.datasets_dir)
    spec = Presets(settings.presets_dir).get(PRESET).spec
    images, labels = registry.load(DATASET, "train")
    config = training_config(epochs, device.type)
    # The same tensors the worker trains on: Session.build calls prepare() just so.
    data = prepare(images, labels, registry.info(DATASET).preprocessing, spec,
                   config.validation_split, config.seed)
    n = len(data.train_y)

    with tempfile.TemporaryDirectory(prefix="cnnpg-bench-models-") as tmp:
        models_dir = Path(tmp)
        env = {"CNNPG_MODELS_DIR": str(models_dir)}
        launched = time.perf_counter()
        with running_server(env=env) as base:
            print(f"server up in {time.perf_counter() - launched:.1f} s; models go to {tmp}",
                  flush=True)
            timed = whole_runs(base, spec, data, config, device, rounds)
            rounds_summary = summarize_rounds(timed)
            print_rounds(timed, rounds_summary, config, n, threads)
            segments = interleaved(base, spec, data, config, device, pairs, args.segment)
            pairs_summary = summarize_pairs(segments, args.segment)
            print_pairs(segments, pairs_summary, threads)

        scale: float | None = None
        if not args.quick and device.type == "cpu" and (os.cpu_count() or 1) != threads:
            torch.set_num_threads(os.cpu_count() or 1)  # for scale only: not in the ratio
            scale = median([e.rate for e in bare_run(spec, data, config, device)])
            torch.set_num_threads(threads)
            print(f"\nfor scale only: the bare loop with torch's default {os.cpu_count()} "
                  f"threads: {scale:.0f} img/s")

        e2e = end_to_end(env, models_dir, training_config(1 if args.quick else E2E_EPOCHS,
                                                          device.type))
        print_end_to_end(e2e, judged=not args.quick)

    print(f"load average at the end {os.getloadavg()[0]:.2f}")
    if args.json:
        args.json.write_text(json.dumps({
            "machine": machine(device, threads), "threads": threads,
            "stream_interval": settings.stream_interval, "train_images": n,
            "epochs_per_run": epochs,
            "rounds": [{**asdict(r), "ratio": r.ratio} for r in timed],
            "rounds_summary": rounds_summary,
            "pairs": [{**asdict(p), "ratio": p.ratio, "cpu_ratio": p.cpu_ratio}
                      for p in segments],
            "pairs_summary": pairs_summary, "bare_default_threads_img_s": scale,
            "end_to_end": e2e}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
