"""Lone batch requests: a program that sends a batch of 64 now and then, not back to back,
against the bare forward pass called the same way.

    .venv/bin/python bench/predict_lone.py [--quick] [--requests 150] [--gap 20] [--rounds 3]
                                           [--json F]

bench/predict.py times requests back to back or interleaved with the bare forward, where
the previous call's threads are still awake (torch's OpenMP threads spin for 8-10 ms after
a pass). A program that classifies a batch every so often meets a server whose threads
have gone to sleep. Here every call comes `--gap` ms after the previous one ended:

- ours: a real server (`python -m bench.harness serve`, as `cnn-playground serve`), POST
  /v2/models/{id}/infer with the 64 digits as binary UINT8 (the protocol's binary
  extension, as tritonclient sends them), and POST /api/models/{id}/predict/batch with the
  64 digits as PNG files; also the server process's CPU per request (its threads' /proc schedstat);
- bare: model(x) on the same 64 digits, already preprocessed, in this process, with
  torch's default threads, with 1 thread, and (as the server runs a pass this size) in
  one slice per core at once, each on one thread; the fastest median is the baseline.

The sides take turns by blocks of `--requests` calls, the order rotated every round.
Printed: medians in ms, images/s, and bare / ours (the issue's batch target is >= 0.8).
A benchmark, not a test: it exits 0 unless something breaks.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import torch

if __package__ in (None, ""):  # run as a script: make `bench` and `server` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import ROOT, median, server_process
from bench.kernels import table
from bench.predict import machine
from bench.predict_client import (
    Connection,
    batch_body,
    batch_x,
    forward_ms,
    load_digits,
    load_model,
    shipped_model_id,
)
from bench.predict_protocol import infer_body, infer_post
from bench.training_timing import process_cpu_s

SIZE = 64


def one_thread_forward(model: torch.nn.Module, x: torch.Tensor) -> None:
    torch.set_num_threads(1)
    with torch.inference_mode():
        model(x)


def spaced(call: Callable[[int], float], count: int, gap: float) -> list[float]:
    """`count` calls (each returning its ms), each `gap` s after the previous one ended."""
    out = []
    for i in range(count):
        time.sleep(gap)
        out.append(call(i))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="1 round of 50 calls per side")
    parser.add_argument("--requests", type=int, help="calls per side and round (default 150)")
    parser.add_argument("--rounds", type=int, help="rounds (default 3)")
    parser.add_argument("--gap", type=float, default=20.0, help="ms between calls (20)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    count = args.requests or (50 if args.quick else 150)
    rounds = args.rounds or (1 if args.quick else 3)
    gap = args.gap / 1000
    print("Lone batches: " + " ".join(["bench/predict_lone.py", *(argv or sys.argv[1:])]))
    for line in machine():
        print(line)
    models = (ROOT / "models").resolve()
    model_id = shipped_model_id(models)
    model, manifest = load_model(models, model_id)
    digits = load_digits(1000, manifest)
    starts = [(i * SIZE) % len(digits) for i in range(10)]
    infer = [infer_body(digits, s, SIZE) for s in starts]
    files = [batch_body(digits, s, SIZE) for s in starts]
    xs = [batch_x(digits, s, SIZE) for s in starts]
    default = torch.get_num_threads()

    def bare(threads: int) -> Callable[[int], float]:
        def call(i: int) -> float:
            torch.set_num_threads(threads)
            return forward_ms(model, xs[i % len(xs)])
        return call

    pool = ThreadPoolExecutor(default - 1) if default > 1 else None

    def sliced(i: int) -> float:  # the server's way, with plain torch: halves at once
        torch.set_num_threads(1)
        first, *rest = xs[i % len(xs)].tensor_split(default)
        assert pool is not None
        started = time.perf_counter()
        others = [pool.submit(one_thread_forward, model, part) for part in rest]
        with torch.inference_mode():
            model(first)
        for future in others:
            future.result()
        return (time.perf_counter() - started) * 1000

    env = {"CNNPG_MODELS_DIR": str(models),
           **{f"CNNPG_RATE_{k}": "" for k in ("SESSIONS", "JOINS", "UPLOADS", "RUNS")}}
    times: dict[str, list[float]] = {}
    cpu: dict[str, list[float]] = {}
    with server_process(env=env) as server, contextlib.closing(Connection(server.base)) as conn:
        v2 = f"/v2/models/{model_id}/infer"
        batch = f"/api/models/{model_id}/predict/batch?top_k=5"
        ours: dict[str, Callable[[int], float]] = {
            "ours: /v2 infer, binary UINT8": lambda i: infer_post(conn, v2, *infer[i % 10])[0],
            "ours: /predict/batch, PNG files": lambda i: conn.timed_post(
                batch, *files[i % 10])[0]}
        sides = {**ours, f"bare: model(x), {default} threads": bare(default),
                 "bare: model(x), 1 thread": bare(1)}
        if pool is not None:
            sides[f"bare: {default} slices at once, 1 thread each"] = sliced
        for call in sides.values():  # warm: the model loaded, the connection open
            spaced(call, 5, 0)
        names = list(sides)
        for r in range(rounds):
            for name in names[r % len(names):] + names[:r % len(names)]:
                if name in ours:  # a new connection: the server closes one idle for 5 s
                    conn.close()
                    sides[name](0)
                before = process_cpu_s(server.pid)
                times.setdefault(name, []).extend(spaced(sides[name], count, gap))
                if name in ours:
                    cpu.setdefault(name, []).append(
                        (process_cpu_s(server.pid) - before) / count * 1000)
        torch.set_num_threads(default)
    report(times, cpu, list(ours), count, rounds, args.gap, args.json)
    return 0


def report(times: dict[str, list[float]], cpu: dict[str, list[float]], ours: list[str],
           count: int, rounds: int, gap_ms: float, out: Path | None) -> None:
    medians = {name: median(t) for name, t in times.items()}
    bare = min(m for name, m in medians.items() if name not in ours)
    print(f"\n{rounds} round(s) of {count} calls per side, each {gap_ms:g} ms after the "
          f"previous one ended; {SIZE} MNIST digits per call")
    rows = [[name, f"{m:.2f}", f"{SIZE / m * 1000:.0f}",
             f"{median(cpu[name]):.1f}" if name in cpu else "",
             f"{bare / m:.3f}" if name in ours else ""] for name, m in medians.items()]
    print(table(["", "median ms", "images/s", "server CPU ms/request", "bare / ours"], rows))
    for name in ours:
        ratio = bare / medians[name]
        print(f"{name}: {ratio:.3f} of the bare forward's images/s "
              f"({'met' if ratio >= 0.8 else 'MISSED'}: target >= 0.8)")
    if out:
        out.write_text(json.dumps({"medians_ms": medians, "server_cpu_ms": cpu,
                                   "gap_ms": gap_ms, "calls": count, "rounds": rounds},
                                  indent=1))


if __name__ == "__main__":
    raise SystemExit(main())
