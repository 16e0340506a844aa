"""The event loop's CPU per classification request, in this process: POST
/api/models/{id}/predict through the whole application against the floor app's POST
/predict (bench/predict_floor.py: FastAPI and the multipart parser, nothing of ours).

    .venv/bin/python bench/predict_loop.py [--requests 400] [--rounds 5]

Both apps are called as ASGI apps with no socket, one request at a time, alternating app
by app in each round (A B, then B A). What is timed is the CPU the calling thread (the
event loop) spends per request, `time.thread_time()`: the decoding, preprocessing and
forward pass of ours run in a worker thread and are not in it. One event loop runs every
request of a server, so this is the figure that bounds how many requests a second one
server process can take in, whatever the machine's other cores do, and it hardly moves with
other work on the machine (the HTTP figures of bench/predict.py move by 2-5x). The requests
carry no cookie, as a program's would. This is a benchmark, not a test: it exits 0 unless
something breaks.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make `bench` and `server` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.asgi import call
from bench.harness import ROOT
from bench.predict_client import load_digits, load_model, shipped_model_id, single_body
from bench.predict_floor import create_floor_app
from server.config import Settings
from server.main import create_app


async def post(app: Any, path: str, query: bytes, body: bytes, content_type: str) -> int:
    return await call(app, "POST", path, query=query, body=body, headers=[
        (b"content-type", content_type.encode()), (b"content-length", str(len(body)).encode())])


async def loop_cpu_ms(app: Any, path: str, query: bytes, bodies: list[tuple[bytes, str]],
                      requests: int) -> float:
    """The calling thread's CPU per request, over `requests` requests."""
    started = time.thread_time()
    for i in range(requests):
        status = await post(app, path, query, *bodies[i % len(bodies)])
        if status != 200:
            raise RuntimeError(f"POST {path}: {status}")
    return (time.thread_time() - started) / requests * 1000


async def measure(requests: int, rounds: int) -> dict[str, list[float]]:
    models_dir = ROOT / "models"
    model_id = shipped_model_id(models_dir)
    _, manifest = load_model(models_dir, model_id)
    digits = load_digits(200, manifest)
    bodies = [single_body(digits, i) for i in range(len(digits))]
    ours = create_app(Settings(models_dir=models_dir, warm_start=False, warm_workers=1,
                               rate_sessions="", rate_joins="", rate_uploads="",
                               rate_runs=""))
    floor = create_floor_app()
    sides = {"ours": (ours, f"/api/models/{model_id}/predict", b"top_k=5"),
             "floor": (floor, "/predict", b"")}
    out: dict[str, list[float]] = {name: [] for name in sides}
    async with ours.router.lifespan_context(ours):
        for app, path, query in sides.values():  # warm: stacks built, the model loaded
            await loop_cpu_ms(app, path, query, bodies, 50)
        for r in range(rounds):
            for name in list(sides) if r % 2 == 0 else list(sides)[::-1]:
                out[name].append(await loop_cpu_ms(*sides[name], bodies, requests))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--requests", type=int, default=400, help="requests per app and round")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    out = asyncio.run(measure(args.requests, args.rounds))
    ours, floor = statistics.median(out["ours"]), statistics.median(out["floor"])
    print(f"event loop CPU per request, median of {args.rounds} rounds of {args.requests}:")
    for name in out:
        rounds = " ".join(f"{v:.3f}" for v in out[name])
        print(f"  {name:<6} {statistics.median(out[name]):.3f} ms  (rounds: {rounds})")
    print(f"ours / floor: {ours / floor:.2f}x; ours above the floor {ours - floor:.3f} ms; "
          f"one loop takes in at most {1000 / ours:.0f} requests/s of ours, "
          f"{1000 / floor:.0f} of the floor's")


if __name__ == "__main__":
    main()
