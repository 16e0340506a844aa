"""A whole class presses Train at once: N students, each with a session of their own,
start `lenet-mnist` on the built-in `mnist` (batch 64, 2 epochs) at the same moment over
REST, each watched by one websocket viewer of their own.

    .venv/bin/python bench/class_burst.py [--students 1,8] [--device cpu|cuda] [--json F]

A real server (`python -m bench.harness serve`, default settings: the warm pool sized from
memory); the benchmark waits until its workers are warm (GET /api/health), as a class
arriving a minute after the teacher started the server would. Per N it prints POST ->
first step event (as the student's viewer received it) p50/p95/max, POST -> finished max,
the aggregate training rate (images trained by all runs / (last finish - first POST)),
and, as reference, a bare PyTorch loop of the same network and data run N times one
after another in this process (measured once, 2 epochs; N runs one after another take N
times as long, so its rate is the same for every N). A benchmark, not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make `bench` and `server` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.class_burst_report import bare_rate, print_row, summarize
from bench.harness import request_json, server_process, session_token, wait_warm

EPOCHS, BATCH = 2, 64


def student(base: str, token: str | None, device: str, gate: threading.Barrier,
            out: dict[str, Any]) -> None:
    from websockets.sync.client import connect

    body = {"network": {"preset": "lenet-mnist"}, "dataset": "mnist",
            "training": {"epochs": EPOCHS, "batch_size": BATCH, "device": device}}
    gate.wait()
    out["post"] = time.time()
    run_id = request_json("POST", f"{base}/api/runs", body, token)["id"]
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    url = base.replace("http", "ws", 1) + f"/ws/runs/{run_id}"
    with connect(url, additional_headers=headers, max_size=2**24, compression=None) as ws:
        while True:
            message = ws.recv()
            if isinstance(message, bytes):
                continue
            event = json.loads(message)
            now = time.time()
            if event["type"] == "snapshot" and event["steps"]:
                out.setdefault("first_step", now)
            if event["type"] == "step":
                out.setdefault("first_step", now)
            if event["type"] == "status" and event["status"] in ("finished", "stopped",
                                                                   "failed"):
                out["end"], out["status"] = now, event["status"]
                break
    run = request_json("GET", f"{base}/api/runs/{run_id}", token=token)
    out["run"] = run


def burst(base: str, n: int, device: str) -> dict[str, Any]:
    tokens = [session_token(base) for _ in range(n)]
    gate = threading.Barrier(n)
    results: list[dict[str, Any]] = [{} for _ in range(n)]
    threads = [threading.Thread(target=student, args=(base, tokens[i], device, gate,
                                                      results[i])) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return summarize(n, results, EPOCHS)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--students", default=None, help="comma-separated N (default: "
                        "1,8 on the CPU, 1,8,24,30 on CUDA)")
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    counts = [int(n) for n in (args.students or ("1,8,24,30" if args.device == "cuda"
                                                 else "1,8")).split(",")]
    print(f"Class burst: lenet-mnist on mnist, batch {BATCH}, {EPOCHS} epochs, "
          f"device {args.device}, students {counts}; {os.cpu_count()} CPUs")
    bare = bare_rate(args.device, EPOCHS, BATCH)
    print(f"bare loop (torch default threads, one run {bare['seconds']:.1f} s): "
          f"{bare['img_s']:.0f} img/s, for any N run one after another")
    rows = []
    with tempfile.TemporaryDirectory() as models, server_process(
            startup_timeout=120, env={"CNNPG_MODELS_DIR": models}) as server:
        engine = wait_warm(server.base)
        print(f"server pid {server.pid}: {engine}")
        for n in counts:
            row = burst(server.base, n, args.device)
            row["bare_img_s"] = bare["img_s"]
            row["ratio"] = row["aggregate_img_s"] / bare["img_s"]
            print_row(row)
            rows.append(row)
            wait_warm(server.base)
    if args.json:
        args.json.write_text(json.dumps({"bare": bare, "rows": rows}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
