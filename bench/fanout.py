"""Classroom fan-out benchmark: one training run watched by N websocket viewers.

    .venv/bin/python bench/fanout.py [--quick] [--rounds 3] [--viewers 1,25,100] [--json F]
    .venv/bin/python bench/fanout.py --quick     # 1 round of shorter runs: about 1 minute

A real server (`python -m bench.harness serve`: create_app and uvicorn as `cnn-playground
serve`, default settings). Each trial starts a fresh run with POST /api/runs (preset
lenet-mnist on the built-in mnist, 1 epoch of 9,000 images, seed 0: about 6 s of training
here) and, except for the baselines, connects N viewers to /ws/runs/{id} from ANOTHER
process (bench/fanout_viewers.py, asyncio + `websockets`) before the worker has started:
N // 10 of them never read, the others receive and decode everything as a page would.
Trials come in pairs, N viewers and a baseline with none, the baseline first in every
other pair, N = 1, 25, 100 in an order that reverses every round (3 rounds: 18 runs,
about 3.5 minutes), so that the load of a shared machine falls on both sides of a pair
alike. Per trial it measures:

- the run's throughput: training images per second from the run's own step events (their
  server `time` stamps, full batches only, each epoch a window so validation is never
  inside), read from the run's snapshot after it finished; the ratio of each pair, and
  their median (target >= 0.90 at 100). The same ratio over the CPU seconds of the
  worker's training thread says whether a change came from the machine being busy;
- the delay from event creation to receipt, for every event every reading viewer got:
  receipt time.time() minus the event's `time`, pooled; p50 and p99 (target p99 < 250 ms);
- the server's memory: VmRSS from /proc/<pid>/status before, at the peak during (sampled
  every 0.2 s) and after each trial; growth over the whole benchmark (bounded);
- the CPU used by the server process and by the viewers' process, per second of the run,
  and whether the server closed the silent viewers (a send that waits over
  CNNPG_WS_SEND_TIMEOUT closes the viewer).

As in a class, the viewers are students: the teacher (a session from POST /api/sessions,
sent as `Authorization: Bearer` on every request and websocket handshake) opens a room
and broadcasts each run in it; each viewer is a session of its own that joined the room
(without rooms on the server, they watch as the teacher; without sessions, anonymously).
Models go to a temporary CNNPG_MODELS_DIR, deleted at the end. A benchmark, not a
test: it exits 0 unless something breaks.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing
import os
import sys
import tempfile
import time
import urllib.error
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

if __package__ in (None, ""):  # run as a script: make `bench` and `server` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import fanout_viewers
from bench.fanout_report import print_report, summarize
from bench.harness import (
    Server,
    auth_headers,
    request_json,
    server_process,
    session_token,
    wait_warm,
)
from bench.training_timing import find_processes, process_cpu_s, thread_cpu_s

PRESET, DATASET = "lenet-mnist", "mnist"
FINAL = ("finished", "stopped", "failed")
RUN_TIMEOUT_S = 300.0
SAMPLE_S = 0.2


@dataclass
class Trial:
    viewers: int
    silent: int
    run_id: str
    images_per_s: float = 0.0
    reported: float = 0.0  # the run's own samples_per_s (last step of each epoch, mean)
    train_s: float = 0.0  # inside the windows
    connect_s: float = 0.0
    rss_before_kib: int = 0
    rss_peak_kib: int = 0
    rss_after_kib: int = 0
    # CPU seconds per second of the windows: the server process, the viewers' process
    images_per_train_cpu_s: float | None = None  # over the worker's training thread's CPU
    server_cpu: float = 0.0
    viewers_cpu: float = 0.0
    p50_ms: float | None = None
    p99_ms: float | None = None
    seen: dict[str, Any] = field(default_factory=dict)  # fanout_viewers.Seen


# ----------------------------------------------------------------------------- /proc


def proc_status(pid: int, key: str) -> int:
    """A kB figure from /proc/<pid>/status (VmRSS, VmHWM)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise KeyError(key)


class Meter:
    """CPU seconds of the server, the viewers' process and the workers' main threads
    (where runs train), sampled against time.time() so that they can be read at the
    instants of the run's step events. The server keeps a pool of warm workers: the idle
    ones wait on a queue and use next to nothing, so the train figure adds them all up."""

    def __init__(self, server: int, viewers: int):
        self.server, self.viewers = server, viewers
        self.workers: list[int] = []
        self.samples: list[tuple[float, float, float, float]] = []  # time, train, srv, view

    def poll(self) -> None:
        if not self.workers:
            self.workers = find_processes(lambda cmd, ppid: ppid == self.server
                                          and "spawn_main" in cmd)
        with contextlib.suppress(OSError, ValueError, IndexError):
            train = (sum(thread_cpu_s(pid) for pid in self.workers) if self.workers
                     else float("nan"))
            self.samples.append((time.time(), train, process_cpu_s(self.server),
                                 process_cpu_s(self.viewers)))

    def used(self, start: float, end: float) -> tuple[float, float, float]:
        """CPU seconds (train, server, viewers) between two instants, interpolated."""
        table = np.asarray(self.samples)
        at = [float(np.interp(end, table[:, 0], table[:, i]) - np.interp(
            start, table[:, 0], table[:, i])) for i in (1, 2, 3)]
        return at[0], at[1], at[2]


# ----------------------------------------------------------------------------- a run


def ws_url(base: str, run_id: str) -> str:
    return f"ws://{base.removeprefix('http://')}/ws/runs/{run_id}"


def snapshot_steps(base: str, run_id: str, token: str | None) -> list[dict[str, Any]]:
    """The run's step events, with their server time stamps, from a snapshot."""
    from websockets.sync.client import connect

    with connect(ws_url(base, run_id), additional_headers=auth_headers(token),
                 compression=None, max_size=None, open_timeout=30) as ws:
        snapshot = json.loads(ws.recv(timeout=30))
    steps: list[dict[str, Any]] = snapshot["steps"]
    return steps


def windows(steps: Sequence[dict[str, Any]], batch: int,
            ) -> tuple[list[tuple[float, float, int]], float]:
    """Per epoch, (start, end, images) from its first step event to its last one over full
    batches (the last batch may be short), by the events' server `time`; and the run's own
    samples_per_s (the last step event of each epoch, mean)."""
    out, reported = [], []
    for epoch in sorted({int(s["epoch"]) for s in steps}):
        group = [s for s in steps if int(s["epoch"]) == epoch]
        reported.append(float(group[-1]["samples_per_s"]))
        full = [s for s in group if int(s["epoch_step"]) < int(s["steps_per_epoch"])]
        if len(full) >= 2:
            out.append((float(full[0]["time"]), float(full[-1]["time"]),
                        (int(full[-1]["epoch_step"]) - int(full[0]["epoch_step"])) * batch))
    if not out:
        raise RuntimeError("the run streamed too few step events to time it")
    return out, sum(reported) / len(reported)


def measure(result: Trial, steps: Sequence[dict[str, Any]], batch: int,
            meter: Meter) -> None:
    timed, result.reported = windows(steps, batch)
    images = sum(w[2] for w in timed)
    result.train_s = sum(end - start for start, end, _ in timed)
    result.images_per_s = images / result.train_s
    used = [meter.used(start, end) for start, end, _ in timed]
    train = sum(u[0] for u in used)
    result.images_per_train_cpu_s = images / train if train > 0 else None
    result.server_cpu = sum(u[1] for u in used) / result.train_s
    result.viewers_cpu = sum(u[2] for u in used) / result.train_s
    delays = np.asarray(result.seen.get("delays", [])) * 1000
    if delays.size:
        result.p50_ms = float(np.percentile(delays, 50))
        result.p99_ms = float(np.percentile(delays, 99))


@contextlib.contextmanager
def viewer_process() -> Iterator[tuple[Any, int]]:
    """The viewers' process (spawned: nothing of this one is inherited): its pipe, its pid."""
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    process = context.Process(target=fanout_viewers.main, args=(theirs,), daemon=True,
                              name="fanout-viewers")
    process.start()
    try:
        yield ours, int(process.pid or 0)
    finally:
        with contextlib.suppress(OSError):
            ours.send(("quit",))
        process.join(timeout=10)
        if process.is_alive():
            process.kill()


def answer(pipe: Any, timeout: float) -> tuple[str, Any]:
    if not pipe.poll(timeout):
        raise RuntimeError(f"the viewers' process did not answer within {timeout:.0f} s")
    kind, value = pipe.recv()
    if kind == "error":
        raise RuntimeError(f"the viewers could not connect: {value}")
    return str(kind), value


@dataclass
class Classroom:
    """The teacher (who starts the runs) and the students who watch them: each student a
    session of its own that joined the teacher's room, as in a class. Without rooms on the
    server (404), every viewer watches as the teacher."""

    teacher: str | None
    code: str | None = None
    students: list[str | None] = field(default_factory=list)

    @classmethod
    def open(cls, base: str, students: int) -> Classroom:
        teacher = session_token(base)
        try:
            code = str(request_json("POST", f"{base}/api/rooms", {"title": "fan-out bench"},
                                    teacher)["code"])
        except urllib.error.HTTPError as error:
            if error.code != 404:
                raise
            return cls(teacher, None, [teacher] * students)
        tokens = [session_token(base) for _ in range(students)]
        for i, token in enumerate(tokens):
            request_json("POST", f"{base}/api/rooms/{code}/join", {"name": f"student {i}"},
                         token)
        return cls(teacher, code, tokens)

    def broadcast(self, base: str, run_id: str) -> None:
        if self.code:
            request_json("PUT", f"{base}/api/rooms/{self.code}/broadcast",
                         {"kind": "run", "run_id": run_id}, self.teacher)

    def headers(self, n: int) -> list[dict[str, str]]:
        return [auth_headers(token) for token in self.students[:n]]


def trial(server: Server, room: Classroom, viewers: tuple[Any, int], n: int,
          training: dict[str, Any]) -> Trial:
    base, (pipe, viewers_pid), token = server.base, viewers, room.teacher
    meter = Meter(server.pid, viewers_pid)
    rss_before = proc_status(server.pid, "VmRSS")
    body = {"network": {"preset": PRESET}, "dataset": DATASET, "training": training}
    run_id = str(request_json("POST", f"{base}/api/runs", body, token)["id"])
    result = Trial(n, n // 10, run_id, rss_before_kib=rss_before)
    try:
        room.broadcast(base, run_id)
        if n:
            pipe.send(("watch", ws_url(base, run_id), n, n // 10, room.headers(n)))
            result.connect_s = float(answer(pipe, 120)[1])
        peak, status = rss_before, "queued"
        deadline = time.monotonic() + RUN_TIMEOUT_S
        while status not in FINAL:
            if time.monotonic() > deadline:
                raise RuntimeError(f"run {run_id} took over {RUN_TIMEOUT_S:.0f} s")
            time.sleep(SAMPLE_S)
            meter.poll()
            peak = max(peak, proc_status(server.pid, "VmRSS"))
            status = str(request_json("GET", f"{base}/api/runs/{run_id}",
                                      token=token)["status"])
        if status != "finished":
            raise RuntimeError(f"run {run_id} ended {status}")
    except BaseException:
        with contextlib.suppress(Exception):
            request_json("POST", f"{base}/api/runs/{run_id}/stop", token=token)
        raise
    finally:
        if n:
            pipe.send(("stop",))
    if n:
        result.seen = answer(pipe, 120)[1]
    result.rss_peak_kib = peak
    measure(result, snapshot_steps(base, run_id, token), int(training["batch_size"]), meter)
    time.sleep(1.0)  # let the server let go of the closed sockets
    result.rss_after_kib = proc_status(server.pid, "VmRSS")
    return result


def schedule(viewers: Sequence[int], rounds: int) -> list[tuple[int, int]]:
    """Pairs of trials, a baseline (0 viewers) beside each viewer count, the baseline first
    in every other pair; the order of the counts reverses every round."""
    pairs = []
    for r in range(rounds):
        for i, n in enumerate(viewers if r % 2 == 0 else viewers[::-1]):
            pairs.append((0, n) if (r + i) % 2 == 0 else (n, 0))
    return pairs


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run (about 1 minute)")
    parser.add_argument("--rounds", type=int, help="rounds of all viewer counts (default 3)")
    parser.add_argument("--viewers", default="1,25,100", help="viewer counts to try")
    parser.add_argument("--epochs", type=int, default=1, help="epochs per run (default 1)")
    parser.add_argument("--json", type=Path, help="also write every figure here")
    args = parser.parse_args(argv)
    rounds = args.rounds or (1 if args.quick else 3)
    viewers = [int(v) for v in args.viewers.split(",") if v.strip()]
    training: dict[str, Any] = {"optimizer": "adam", "learning_rate": 0.001,
                                "batch_size": 64, "epochs": args.epochs,
                                "seed": 0, "max_train_samples": 3000 if args.quick else None}
    print("Classroom fan-out benchmark: " + " ".join(["bench/fanout.py",
                                                     *(argv or sys.argv[1:])]))
    print(f"load average at the start {os.getloadavg()[0]:.2f}; {os.cpu_count()} CPUs")
    trials: list[Trial] = []
    with tempfile.TemporaryDirectory(prefix="cnnpg-fanout-") as models, \
            server_process(env={"CNNPG_MODELS_DIR": models}) as server, \
            viewer_process() as viewers_process:
        wait_warm(server.base)  # trials measure fan-out, not the pool's warm-up
        room = Classroom.open(server.base, max(viewers))
        print(f"server pid {server.pid}; the teacher's runs: {PRESET} on the built-in "
              f"{DATASET}, {training['epochs']} epoch(s){', 3000 samples' if args.quick else ''}"
              f"; viewers: " + (f"{len(room.students)} students, each a session of its own, "
                                f"in room {room.code}" if room.code else "the teacher's session"
                                if room.teacher else "anonymous (no sessions on the server)"))
        for i, pair in enumerate(schedule(viewers, rounds), 1):
            done = [trial(server, room, viewers_process, n, training) for n in pair]
            trials.extend(done)
            print(f"  pair {i:2d}: " + ", ".join(
                f"{t.viewers} viewers {t.images_per_s:.0f} img/s" for t in done)
                + f"; RSS {done[-1].rss_after_kib / 1024:.1f} MiB", flush=True)
        hwm = proc_status(server.pid, "VmHWM")
    summary = summarize(trials, viewers)  # pairs: consecutive trials
    print_report(trials, summary, hwm, judged=not args.quick)
    if args.json:
        raw = [{**asdict(t), "seen": {k: v for k, v in t.seen.items()
                                      if k not in ("delays", "stamps")}} for t in trials]
        args.json.write_text(json.dumps({"trials": raw,
                                         "summary": summary, "vm_hwm_kib": hwm}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
