"""What the metrics middleware costs a request: GET /api/health and the readiness route
through the whole application with and without RequestMetrics, in the same run.

    .venv/bin/python bench/metrics_cost.py [--requests 2000] [--rounds 5]

Both apps come from the same create_app; the baseline has the metrics middleware taken
out of its stack (everything else: the same middleware, router, handler and services).
Requests are ASGI calls in this process, with no socket, so the middleware's share is
as large as it can be: over HTTP the loopback round trip (~1 ms) dilutes it further.
Requests alternate between the apps one by one (A B, B A); each round compares the
medians of its per-request times, and the ratio printed is the median round's. Then the
middleware alone: around a constant ASGI app, against that app bare. Also timed: one
scrape of GET /metrics after the traffic (generate_latest of every series).
This is a benchmark, not a test: it exits 0 unless something breaks.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make `bench` and `server` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fastapi import FastAPI

from bench.asgi import call
from server.config import Settings
from server.main import create_app
from server.metrics import Metrics, RequestMetrics

PATHS = ("/api/health", "/api/ready")


def app_pair(models_dir: Path) -> tuple[FastAPI, FastAPI]:
    settings = Settings(models_dir=models_dir, warm_start=False, warm_workers=1,
                        rate_sessions="")
    ours, bare = create_app(settings), create_app(settings)
    bare.user_middleware = [m for m in bare.user_middleware
                            if getattr(m.cls, "__name__", "") != RequestMetrics.__name__]
    bare.middleware_stack = None  # rebuilt without it at the first call
    return ours, bare


async def get(app: Any, path: str, peer: str = "127.0.0.1") -> int:
    """One GET through the app; returns the status."""
    return await call(app, "GET", path, peer=peer)


async def timed_us(app: Any, path: str) -> float:
    started = time.perf_counter()
    await get(app, path)
    return (time.perf_counter() - started) * 1e6


async def interleaved(ours: Any, bare: Any, path: str, requests: int,
                      rounds: int) -> dict[str, float]:
    """Request by request, A B then B A: load that comes and goes hits both sides alike.
    The medians of the per-request times; the ratio is the median round's."""
    rows = []
    for _ in range(rounds):
        mine, base = [], []
        for i in range(requests):
            if i % 2:
                base.append(await timed_us(bare, path))
                mine.append(await timed_us(ours, path))
            else:
                mine.append(await timed_us(ours, path))
                base.append(await timed_us(bare, path))
        rows.append((statistics.median(mine), statistics.median(base)))
    rows.sort(key=lambda row: row[0] / row[1])
    middle = rows[len(rows) // 2]
    return {"ours_us": middle[0], "bare_us": middle[1], "ratio": middle[0] / middle[1]}


def alone(routed: Any) -> tuple[Any, Any]:
    """The middleware around a constant ASGI app (which sets the route as the router
    does), and that app bare: the middleware's own cost, nothing else timed."""
    async def constant(scope: Any, receive: Any, send: Any) -> None:
        scope["route"] = routed
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    return RequestMetrics(constant, Metrics()), constant


async def measure(requests: int, rounds: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        ours, bare = app_pair(Path(folder))
        for app in (ours, bare):  # warm: the middleware stacks built, torch imported
            for path in PATHS:
                assert await get(app, path) == 200, path
        results: dict[str, Any] = {path: await interleaved(ours, bare, path, requests,
                                                           rounds) for path in PATHS}
        wrapped, constant = alone(ours.routes[-1])
        results["middleware alone"] = await interleaved(wrapped, constant, "/api/health",
                                                        requests, rounds)
        started = time.perf_counter()
        assert await get(ours, "/metrics") == 200
        results["scrape_ms"] = (time.perf_counter() - started) * 1000
        ours.state.services.close()
        bare.state.services.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--requests", type=int, default=2000,
                        help="requests per app and round")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    results = asyncio.run(measure(args.requests, args.rounds))
    print(f"{'route':<16} {'with metrics':>14} {'without':>10} {'ratio':>7} {'cost':>8}")
    for path in (*PATHS, "middleware alone"):
        r = results[path]
        print(f"{path:<16} {r['ours_us']:>11.1f} us {r['bare_us']:>7.1f} us "
              f"{r['ratio']:>7.3f} {r['ours_us'] - r['bare_us']:>5.1f} us")
    print(f"one scrape of /metrics after the traffic: {results['scrape_ms']:.2f} ms")


if __name__ == "__main__":
    main()
