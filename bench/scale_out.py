"""Scale-out, first part: the class burst (bench/class_burst.py) through the Ray executor
against the local pool, on this machine, as a ratio.

    .venv/bin/python bench/scale_out.py [--students 1,2] [--epochs 1] [--rounds 2]
                                        [--workers 2] [--json F]

Two real servers side by side (`python -m bench.harness serve`), the same settings but
CNNPG_EXECUTOR: `local` (warm worker processes) and `ray` with CNNPG_RAY_ADDRESS=local
(an embedded Ray started by the server: the same actors, queue and calls as on a cluster,
on this machine's cores). Both have --workers warm workers (default 2: one per core here,
so neither oversubscribes) and as many runs at once, and one torch thread per run (a Ray
actor holds one CPU; --threads 0 gives the local pool its default, a lone run on every
core), so the ratio is the executors' cost; the bursts alternate between the servers.
Per N it prints the class burst's figures (bench/class_burst.py: lenet-mnist, batch 64,
--epochs of the built-in mnist) and the Ray/local ratio of the aggregate training rate,
medians over the rounds. A benchmark, not a test. The second part, the fan-out of one
run to viewers on 2 replicas sharing Redis, is bench/fanout_replicas.py.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make `bench` and `server` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import class_burst
from bench.class_burst import burst
from bench.harness import median, server_process, wait_warm


def server_env(executor: str, workers: int, threads: int, models: str) -> dict[str, str]:
    return {"CNNPG_EXECUTOR": executor, "CNNPG_RAY_ADDRESS": "local",
            "CNNPG_WARM_WORKERS": str(workers), "CNNPG_MAX_CONCURRENT_RUNS": str(workers),
            "CNNPG_TRAIN_THREADS": str(threads), "CNNPG_MODELS_DIR": models,
            "RAY_AUTH_MODE": "disabled"}  # no token for a Ray living inside the server


def measure(bases: dict[str, str], counts: list[int], rounds: int
            ) -> dict[str, dict[int, list[dict[str, Any]]]]:
    """Every N, `rounds` times, local then Ray then Ray then local...: the machine's noise
    (other work on it) falls on both alike."""
    rows: dict[str, dict[int, list[dict[str, Any]]]] = {e: {n: [] for n in counts}
                                                        for e in bases}
    order = list(bases)
    for r in range(rounds):
        for n in counts:
            for executor in order if r % 2 == 0 else order[::-1]:
                row = burst(bases[executor], n, "cpu")
                print(f"  {executor:>5} N={n}: finished {row['finished']}/{n}; first step "
                      f"max {row['first_step_max']:.2f} s; all finished after "
                      f"{row['finished_max']:.1f} s; aggregate {row['aggregate_img_s']:.0f} "
                      "img/s", flush=True)
                rows[executor][n].append(row)
                wait_warm(bases[executor])
    return rows


def report(rows: dict[str, dict[int, list[dict[str, Any]]]]) -> dict[int, dict[str, float]]:
    print("\nRay / local (medians over the rounds):")
    out = {}
    for n, local in rows["local"].items():
        ray = rows["ray"][n]
        figures = {f"{e}_{key}": median([row[key] for row in runs])
                   for e, runs in (("local", local), ("ray", ray))
                   for key in ("aggregate_img_s", "first_step_max", "first_step_p50")}
        figures["ratio_aggregate"] = figures["ray_aggregate_img_s"] / figures[
            "local_aggregate_img_s"]
        out[n] = figures
        print(f"  N={n}: aggregate {figures['ray_aggregate_img_s']:.0f} vs "
              f"{figures['local_aggregate_img_s']:.0f} img/s = "
              f"{figures['ratio_aggregate']:.2f} x; worst first step "
              f"{figures['ray_first_step_max']:.2f} s vs {figures['local_first_step_max']:.2f}"
              " s")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--students", default="1,2")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1, help="CNNPG_TRAIN_THREADS of both "
                        "servers (1: as a Ray actor's one CPU; 0: the local pool's default, "
                        "a lone run takes every core)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    counts = [int(n) for n in args.students.split(",")]
    class_burst.EPOCHS = args.epochs  # the burst's runs: lenet-mnist, batch 64
    print(f"Class burst, local pool vs Ray executor: lenet-mnist on mnist, {args.epochs} "
          f"epoch(s), students {counts}, {args.workers} warm workers each, threads "
          f"{args.threads or 'default'}, {args.rounds} rounds; {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}")
    with contextlib.ExitStack() as stack:
        bases = {}
        for executor in ("local", "ray"):
            models = stack.enter_context(tempfile.TemporaryDirectory())
            server = stack.enter_context(server_process(
                startup_timeout=120, env=server_env(executor, args.workers, args.threads, models)))
            print(f"{executor}: server pid {server.pid}: {wait_warm(server.base)}")
            bases[executor] = server.base
        rows = measure(bases, counts, args.rounds)
    figures = report(rows)
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    if args.json:
        args.json.write_text(json.dumps({"figures": figures, "rows": rows}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
