"""Detection maths benchmark (issue #18 part 1): our blocked, vectorised NMS against the
plain Python greedy loop, and the worst-case request through the API.

    .venv/bin/python bench/detection.py [--quick]

1. nms() (server/detection/nms.py) against a bare Python loop (sort, then for each standing
   box compute its IoU with every later standing box of its class, one pair at a time), on
   1,000 and 10,000 boxes, in two layouts: `distinct` (a grid of boxes, no two overlapping:
   every box is kept, the worst case, N^2/2 IoUs) and `crowded` (random overlapping boxes in
   5 classes). Both give the same `keep` (checked). Ours: median of 5 runs; the loop: one
   run (--quick skips it at 10,000: about a minute).
2. The worst case through the API: POST /api/detection/nms with 10,000 distinct boxes, in
   process (TestClient: validation, NMS in a worker thread, the JSON answer), median of 3,
   with the process's peak resident memory growth over the run (VmHWM, reset first).

Machines are noisy: absolute times are indicative, the ratios are the result. This is a
benchmark, not a test: it always exits 0 unless something breaks.
"""

from __future__ import annotations

import argparse
import functools
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make `bench` and `server` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch
from fastapi.testclient import TestClient

from server.config import Settings
from server.detection.nms import nms
from server.main import create_app

BUDGET_S = 2.0  # the worst-case request (10,000 distinct boxes), whole, on this machine


def distinct(n: int) -> list[list[float]]:
    side = int(n ** 0.5) + 1
    return [[(i % side) * 20.0, (i // side) * 20.0, 10.0, 10.0] for i in range(n)]


def crowded(n: int, rng: random.Random) -> list[list[float]]:
    return [[rng.uniform(0, 200), rng.uniform(0, 200), rng.uniform(5, 40), rng.uniform(5, 40)]
            for _ in range(n)]


def loop_nms(boxes: list[list[float]], scores: list[float], classes: list[int],
             threshold: float) -> list[int]:
    """The baseline: the greedy loop in plain Python, xywh boxes."""
    order = sorted(range(len(boxes)), key=lambda i: (-scores[i], i))
    corners = [(x, y, x + w, y + h) for x, y, w, h in boxes]
    area = [(c[2] - c[0]) * (c[3] - c[1]) for c in corners]
    standing = [True] * len(boxes)
    keep = []
    for position, i in enumerate(order):
        if not standing[i]:
            continue
        keep.append(i)
        ax1, ay1, ax2, ay2 = corners[i]
        for j in order[position + 1:]:
            if standing[j] and classes[j] == classes[i]:
                bx1, by1, bx2, by2 = corners[j]
                inter = (max(0.0, min(ax2, bx2) - max(ax1, bx1))
                         * max(0.0, min(ay2, by2) - max(ay1, by1)))
                if inter / ((area[i] + area[j]) - inter) > threshold:
                    standing[j] = False
    return keep


def timed(call: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def reset_peak() -> None:
    Path("/proc/self/clear_refs").write_text("5")


def compare(quick: bool) -> None:
    rng = random.Random(18)
    print(f"{'boxes':>6} {'layout':>9} {'kept':>6} {'ours s':>8} {'loop s':>8} {'loop/ours':>9}")
    for n in (1_000, 10_000):
        for layout in ("distinct", "crowded"):
            boxes = distinct(n) if layout == "distinct" else crowded(n, rng)
            scores = [rng.random() for _ in range(n)]
            classes = [0] * n if layout == "distinct" else [rng.randrange(5) for _ in range(n)]
            ours_s, result = timed(functools.partial(nms, boxes, scores, classes, 0.5, 0.0,
                                                       "xywh"), 5)
            if quick and n > 1_000:
                print(f"{n:>6} {layout:>9} {len(result.keep):>6} {ours_s:>8.3f} {'-':>8}")
                continue
            loop_s, keep = timed(functools.partial(loop_nms, boxes, scores, classes, 0.5), 1)
            assert keep == result.keep, "the loop and nms() disagree"
            print(f"{n:>6} {layout:>9} {len(keep):>6} {ours_s:>8.3f} {loop_s:>8.3f} "
                  f"{loop_s / ours_s:>8.1f}x")


def worst_request() -> None:
    boxes, rng = distinct(10_000), random.Random(7)
    body = {"boxes": boxes, "scores": [rng.random() for _ in boxes]}
    with TestClient(create_app(Settings(allowed_hosts=["testserver"]))) as client:
        client.post("/api/detection/nms", json={"boxes": [[0, 0, 1, 1]], "scores": [1]})
        before = peak_rss_mb()
        reset_peak()
        seconds, answer = timed(lambda: client.post("/api/detection/nms", json=body), 3)
        assert answer.status_code == 200, answer.text
        assert len(answer.json()["keep"]) == 10_000
        growth = peak_rss_mb() - before
    print(f"API, 10,000 distinct boxes: median {seconds:.3f} s (budget {BUDGET_S} s), "
          f"peak RSS growth {growth:.0f} MB, answer {len(answer.content) / 1e6:.1f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="skip the 10,000-box loops")
    args = parser.parse_args()
    print(f"{platform.processor() or platform.machine()}, torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads")
    compare(args.quick)
    worst_request()


if __name__ == "__main__":
    main()
