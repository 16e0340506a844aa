"""Fan-out across API replicas: one run watched by N viewers spread over 2 replicas sharing
one Redis.

    .venv/bin/python bench/fanout_replicas.py [--quick] [--rounds 3] [--viewers 200]
                                              [--send-timeout 10] [--json F]

Debian's redis-server on 127.0.0.1 at a free port (bench/redis_server.py) and two real app
processes (`python -m bench.harness serve`) with CNNPG_REDIS_URL, one CNNPG_SESSION_SECRET
and one CNNPG_MODELS_DIR, the rate limits off (every viewer comes from 127.0.0.1). The
teacher's session, minted on replica A, starts each run on A (lenet-mnist on the built-in
mnist, 1 epoch of 9,000 images, batch 64, seed 0). Half the viewers connect to A (the
run's own replica: the in-memory hub), half to B (events through Redis PUBLISH; the
snapshot from what Redis keeps), each half from a viewers' process of its own
(bench/fanout_viewers.py), all with the teacher's token (rooms are per replica). N // 10
never read, half on each side; their sockets get a 4 KB receive buffer and their client
buffers one message, so the stall reaches the server's socket at once; the server closes
one (1013) when a send waits over --send-timeout (CNNPG_WS_SEND_TIMEOUT, default 10 s),
which takes the kernel's send buffer filling first (autotuned up to 4 MiB here: about a
minute of this stream, longer than these runs). Trials come in pairs, N viewers beside a
baseline run with none, the baseline first in every other pair.

Per trial: the run's images/s from its own step events (as bench/fanout.py), the ratio to
its baseline; per side, the delay from the event's `time` (stamped by A when it folded
the event) to receipt, for every event every reading viewer got (one machine: one
clock), p50/p99/max; each reader's step events against the run's (seq gaps); the silent
viewers closed; CPU of the training thread, both replicas, redis-server and both viewers'
processes during the run's timed windows; Redis's own count and time of PUBLISH and XADD
(INFO commandstats). A benchmark, not a test: it exits 0 unless something breaks.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import redis

if __package__ in (None, ""):  # run as a script: make `bench` and `server` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.fanout import (
    DATASET,
    FINAL,
    PRESET,
    RUN_TIMEOUT_S,
    SAMPLE_S,
    answer,
    schedule,
    snapshot_steps,
    viewer_process,
    windows,
    ws_url,
)
from bench.fanout_replicas_report import print_report, summarize
from bench.harness import (
    Server,
    auth_headers,
    request_json,
    server_process,
    session_token,
    wait_warm,
)
from bench.redis_server import redis_server
from bench.training_timing import find_processes, process_cpu_s, thread_cpu_s

SIDES = ("own", "other")  # viewers on the run's replica (A), on the other one (B)
SILENT_RCVBUF = 4096
SETTLE_S = 2.0  # the delays "steady": events stamped this long after every viewer connected
CPU_KEYS = ("train", "replica_a", "replica_b", "redis", "viewers_a", "viewers_b")


@dataclass
class Trial:
    viewers: int
    run_id: str
    images_per_s: float = 0.0
    train_s: float = 0.0
    run_s: float = 0.0  # from the run's start to its end, by its own status events
    step_events: int = 0
    connect_s: dict[str, float] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)  # cores used during the windows
    redis: dict[str, dict[str, float]] = field(default_factory=dict)  # commandstats
    sides: dict[str, dict[str, Any]] = field(default_factory=dict)


class Meter:
    """CPU seconds of our processes, sampled against time.time() (see bench/fanout.py);
    `train`: the main threads of replica A's workers, where the run trains."""

    def __init__(self, pids: dict[str, int]):
        self.pids = pids
        self.workers = find_processes(lambda cmd, ppid: ppid == pids["replica_a"]
                                      and "spawn_main" in cmd)
        self.samples: list[list[float]] = []

    def poll(self) -> None:
        with contextlib.suppress(OSError, ValueError, IndexError):
            self.samples.append([time.time(), sum(thread_cpu_s(p) for p in self.workers),
                                 *(process_cpu_s(self.pids[k]) for k in CPU_KEYS[1:])])

    def used(self, spans: Sequence[tuple[float, float, int]]) -> dict[str, float]:
        """Cores used in the spans (CPU seconds over seconds), per process."""
        table, total = np.asarray(self.samples), sum(end - start for start, end, _ in spans)
        return {k: sum(float(np.interp(end, table[:, 0], table[:, i + 1])
                             - np.interp(start, table[:, 0], table[:, i + 1]))
                       for start, end, _ in spans) / total for i, k in enumerate(CPU_KEYS)}


def step_gaps(seen: dict[str, Any], seqs: Sequence[int]) -> dict[str, int]:
    """Each reader's step events against the run's: those after its snapshot it missed,
    and readers that got some out of order or twice."""
    missing = disordered = no_snapshot = 0
    for snap, got in zip(seen["snapshot_seqs"], seen["step_seqs"], strict=True):
        if snap < 0:
            no_snapshot += 1
            continue
        missing += len({q for q in seqs if q > snap} - set(got))
        disordered += got != sorted(set(got))
    return {"missing": missing, "disordered": disordered, "no_snapshot": no_snapshot,
            "readers": len(seen["step_seqs"])}


def split(n: int) -> dict[str, tuple[int, int]]:
    """(viewers, silent) per side: half each, N // 10 silent in all."""
    silent = n // 10
    return {"own": (n - n // 2, silent - silent // 2), "other": (n // 2, silent // 2)}


def wait_known(base: str, run_id: str, token: str | None, timeout: float = 30) -> None:
    """Until replica B knows the run (A writes its record to Redis on its writer thread)."""
    deadline = time.monotonic() + timeout
    while True:
        with contextlib.suppress(OSError):
            request_json("GET", f"{base}/api/runs/{run_id}", token=token)
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"replica B did not know run {run_id} after {timeout:.0f} s")
        time.sleep(0.05)


def trial(servers: dict[str, Server], pids: dict[str, int], viewers: dict[str, Any],
          client: redis.Redis, token: str | None, n: int, training: dict[str, Any]) -> Trial:
    a, b = servers["own"].base, servers["other"].base
    meter = Meter(pids)
    client.config_resetstat()
    body = {"network": {"preset": PRESET}, "dataset": DATASET, "training": training}
    run_id = str(request_json("POST", f"{a}/api/runs", body, token)["id"])
    result, sides = Trial(n, run_id), split(n)
    watching = [side for side in SIDES if n and sides[side][0]]
    try:
        if n:
            wait_known(b, run_id, token)
        for side in watching:
            count, silent = sides[side]
            viewers[side][0].send(("watch", ws_url(servers[side].base, run_id), count, silent,
                                   [auth_headers(token)] * count,
                                   {"silent_rcvbuf": SILENT_RCVBUF}))
        for side in watching:
            result.connect_s[side] = float(answer(viewers[side][0], 120)[1])
        connected = time.time()
        status, deadline = "queued", time.monotonic() + RUN_TIMEOUT_S
        while status not in FINAL:
            if time.monotonic() > deadline:
                raise RuntimeError(f"run {run_id} took over {RUN_TIMEOUT_S:.0f} s")
            time.sleep(SAMPLE_S)
            meter.poll()
            run = request_json("GET", f"{a}/api/runs/{run_id}", token=token)
            status = str(run["status"])
        if status != "finished":
            raise RuntimeError(f"run {run_id} ended {status}")
        result.run_s = float(run["ended"]) - float(run["started"])
    except BaseException:
        with contextlib.suppress(Exception):
            request_json("POST", f"{a}/api/runs/{run_id}/stop", token=token)
        raise
    finally:
        for side in watching:
            viewers[side][0].send(("stop",))
    seen = {side: answer(viewers[side][0], 120)[1] for side in watching}
    steps = snapshot_steps(a, run_id, token)
    timed, _ = windows(steps, int(training["batch_size"]))
    result.train_s = sum(end - start for start, end, _ in timed)
    result.images_per_s = sum(w[2] for w in timed) / result.train_s
    result.step_events = len(steps)
    result.cpu = meter.used(timed)
    stats = client.info("commandstats")
    result.redis = {k.removeprefix("cmdstat_"): {"calls": v["calls"], "usec": v["usec"]}
                    for k, v in stats.items() if isinstance(v, dict)}
    seqs = [int(s["seq"]) for s in steps]
    for side, got in seen.items():
        delays, stamps = np.asarray(got.pop("delays")) * 1000, np.asarray(got.pop("stamps"))
        steady = delays[stamps > connected + SETTLE_S]  # not the viewers' connect burst
        result.sides[side] = {
            "viewers": sides[side][0], "silent": sides[side][1],
            "events": int(delays.size), **step_gaps(got, seqs),
            "p50_ms": float(np.percentile(delays, 50)) if delays.size else None,
            "p99_ms": float(np.percentile(delays, 99)) if delays.size else None,
            "delays_ms": delays.tolist(), "steady_ms": steady.tolist(),
            **{k: got[k] for k in ("text", "binary", "text_bytes", "binary_bytes", "dropped",
                                   "readers_lost", "silent_closed", "silent_codes")}}
    time.sleep(1.0)  # let the servers let go of the closed sockets
    return result


def server_env(redis_url: str, models: str, send_timeout: float) -> dict[str, str]:
    return {"CNNPG_REDIS_URL": redis_url, "CNNPG_SESSION_SECRET": SECRET,
            "CNNPG_MODELS_DIR": models, "CNNPG_WARM_WORKERS": "1",
            "CNNPG_WS_SEND_TIMEOUT": f"{send_timeout:g}",
            **{f"CNNPG_RATE_{k}": "" for k in ("SESSIONS", "JOINS", "UPLOADS", "RUNS")}}


SECRET = "fanout-replicas-" + secrets.token_hex(16)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="1 pair of short runs (~1 min)")
    parser.add_argument("--rounds", type=int, help="pairs of trials (default 3)")
    parser.add_argument("--viewers", type=int, default=200, help="viewers in all (200)")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--send-timeout", type=float, default=10.0,
                        help="CNNPG_WS_SEND_TIMEOUT of both replicas (seconds; default 10)")
    parser.add_argument("--json", type=Path, help="also write every figure here")
    args = parser.parse_args(argv)
    rounds = args.rounds or (1 if args.quick else 3)
    training: dict[str, Any] = {"optimizer": "adam", "learning_rate": 0.001,
                                "batch_size": 64, "epochs": args.epochs, "seed": 0,
                                "max_train_samples": 3000 if args.quick else None}
    print("Fan-out across replicas: " + " ".join(["bench/fanout_replicas.py",
                                                 *(argv or sys.argv[1:])]))
    load_start = os.getloadavg()
    print(f"load average at the start {load_start[0]:.2f} {load_start[1]:.2f} "
          f"{load_start[2]:.2f}; {os.cpu_count()} CPUs")
    trials: list[Trial] = []
    with contextlib.ExitStack() as stack:
        store = stack.enter_context(redis_server())
        models = stack.enter_context(tempfile.TemporaryDirectory(prefix="cnnpg-fanrep-"))
        env = server_env(store.url, models, args.send_timeout)
        servers = {side: stack.enter_context(server_process(startup_timeout=120, env=env))
                   for side in SIDES}
        viewers = {side: stack.enter_context(viewer_process()) for side in SIDES}
        for server in servers.values():
            wait_warm(server.base)
        pids = {"replica_a": servers["own"].pid, "replica_b": servers["other"].pid,
                "redis": store.pid, "viewers_a": viewers["own"][1],
                "viewers_b": viewers["other"][1]}
        client = stack.enter_context(redis.Redis.from_url(store.url))
        token = session_token(servers["own"].base)
        print(f"replicas A (runs the run) pid {pids['replica_a']}, B pid {pids['replica_b']};"
              f" redis-server pid {store.pid} ({client.info('server')['redis_version']}); "
              f"{args.viewers} viewers: {split(args.viewers)} (viewers, silent) on A / B; "
              f"{PRESET} on {DATASET}, {args.epochs} epoch(s)"
              f"{', 3000 samples' if args.quick else ''}; send timeout {args.send_timeout:g} s")
        for i, pair in enumerate(schedule([args.viewers], rounds), 1):
            done = [trial(servers, pids, viewers, client, token, n, training) for n in pair]
            trials.extend(done)
            print(f"  pair {i}: " + ", ".join(f"{t.viewers} viewers {t.images_per_s:.0f} "
                                               "img/s" for t in done)
                  + f"; load {os.getloadavg()[0]:.2f}", flush=True)
    summary = summarize(trials, args.viewers)
    summary["load"] = {"start": load_start, "end": os.getloadavg()}
    print_report(summary, judged=not args.quick)
    if args.json:
        raw = [asdict(t) for t in trials]
        for t in raw:
            for side in t["sides"].values():
                side.pop("delays_ms")
                side.pop("steady_ms")
        args.json.write_text(json.dumps({"trials": raw, "summary": summary}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
