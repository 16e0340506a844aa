"""Classification API benchmark: POST /api/models/{id}/predict and /predict/batch against
the bare model forward, and a minimal FastAPI endpoint as the framework floor.

    .venv/bin/python bench/predict.py [--quick] [--no-floor] [--json out.json]

The shipped model (models/lenet-mnist-shipped-*), real digits: the first images of the
built-in MNIST test split, encoded as 28x28 grayscale PNG files with Pillow.

- ours: a real server in a subprocess (`python -m bench.harness serve`: create_app and
  uvicorn as `cnn-playground serve`, default settings but CNNPG_MODELS_DIR), reached with
  http.client over keep-alive connections.
- bare: the same model loaded in this process with ModelStore.load (eval mode) and called
  as model(x) under torch.inference_mode on the same digits, already decoded, scaled by
  1/255 and normalized with the manifest's mean and std. Nothing else. Before (a) and (b)
  it times 1 thread and torch's default and keeps the faster: the bare side at its best.
- floor: a minimal FastAPI app in a uvicorn subprocess (bench/predict_floor.py) that reads
  the same multipart uploads and answers a constant: what the framework alone costs.

(a) single-image latency, request by request interleaved with the bare forward and the
floor; (b) images/s through /predict/batch with 64 files per request, against the bare
forward of the same 64 images (target: ratio >= 0.8); (c) throughput of single requests
from 1 and from 8 client threads (opportunistic batching); (d) the route's steps timed in
this process; (e) POST /v2/models/{id}/infer (the Open Inference Protocol) with binary
tensors, one image and 64, against the bare forward of the same images (bare threads as in
(b)). Machines are noisy: absolute times are indicative, the ratios are the result.
With --settle, each timed call of (a), (b) and (e) starts once the previous call's OpenMP
threads (the bare side's, or the server's) have stopped spinning (bench/settle.py); without
it, a 2-thread bare forward's spinning thread takes one of 2 cores from the next request.
--server-env NAME=VALUE sets a variable for the server only (e.g. CNNPG_PREDICT_THREADS=1).
This is a benchmark, not a test: it exits 0 unless something breaks (2: no endpoint yet).

The parts: predict_client.py (digits, bare model, HTTP client), predict_floor.py,
predict_measure.py ((a) to (c)), predict_sections.py ((d)), predict_protocol.py ((e)),
predict_report.py (tables).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import torch

if __package__ in (None, ""):  # run as a script: make `bench` and `server` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import ROOT, server_process
from bench.predict_client import (
    Connection,
    HttpError,
    batch_x,
    fastest_threads,
    load_digits,
    load_model,
    shipped_model_id,
    single_body,
)
from bench.predict_floor import running_floor
from bench.predict_measure import batch, concurrent, single
from bench.predict_protocol import print_protocol, protocol, summarize_protocol
from bench.predict_report import (
    print_batch,
    print_concurrent,
    print_sections,
    print_single,
    summarize_batch,
    summarize_concurrent,
    summarize_single,
)
from bench.predict_sections import batch_sections, sections
from bench.settle import Settle


def machine() -> list[str]:
    model = platform.processor() or "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return [f"CPU: {model}, {os.cpu_count()} logical cores",
            f"Python {platform.python_version()}, torch {torch.__version__}, CPU; torch "
            f"threads {torch.get_num_threads()} by default here and in the server"]


@contextlib.contextmanager
def maybe_floor(enabled: bool) -> Iterator[str | None]:
    if not enabled:
        yield None
        return
    with running_floor() as base:
        yield base


def endpoint_ready(base: str, model_id: str, body: tuple[bytes, str]) -> str | None:
    """None when POST /predict answers; else why not."""
    conn = Connection(base)
    try:
        conn.post(f"/api/models/{model_id}/predict?top_k=5", *body)
        return None
    except HttpError as exc:
        return str(exc)
    finally:
        conn.close()


def bare_threads(model: torch.nn.Module, x: torch.Tensor, counts: list[int]
                 ) -> dict[str, Any]:
    """Set this process's torch threads to the fastest count for model(x)."""
    best, medians = fastest_threads(model, x, counts)
    torch.set_num_threads(best)
    return {"used": best, "medians_ms": medians}


def server_env(parser: argparse.ArgumentParser, pairs: list[str]) -> dict[str, str]:
    """--server-env NAME=VALUE pairs as a dict; a pair with no '=' is a usage error."""
    env = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            parser.error(f"--server-env {pair!r}: write NAME=VALUE, e.g. GOMP_SPINCOUNT=0")
        env[name] = value
    return env


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true",
                        help="100 single requests, 10 batches, 1 concurrent round")
    parser.add_argument("--requests", type=int, help="single requests (default 500)")
    parser.add_argument("--batches", type=int, help="batch requests of 64 (default 40)")
    parser.add_argument("--rounds", type=int, help="concurrent rounds (default 3)")
    parser.add_argument("--clients", type=int, default=8, help="client threads in (c)")
    parser.add_argument("--images", type=int, default=1000, help="distinct MNIST digits")
    parser.add_argument("--models-dir", type=Path, default=ROOT / "models")
    parser.add_argument("--model", help="model id (default: the newest shipped LeNet)")
    parser.add_argument("--no-floor", action="store_true", help="skip the floor app")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--settle", action="store_true",
                        help="before each timed call in (a), (b) and (e), wait until the "
                             "previous side's OpenMP threads stop spinning (bench/settle.py)")
    parser.add_argument("--server-env", action="append", default=[], metavar="NAME=VALUE",
                        help="an environment variable for the server only (repeatable)")
    args = parser.parse_args(argv)
    requests = args.requests or (100 if args.quick else 500)
    batches = args.batches or (10 if args.quick else 40)
    rounds = args.rounds or (1 if args.quick else 3)
    burst = 128 if args.quick else 400

    default_threads = torch.get_num_threads()  # what the server runs with (torch's default)
    print("Classification benchmark: " + " ".join(["bench/predict.py", *(argv or sys.argv[1:])]))
    for line in machine():
        print(line)
    print(f"load average at the start {os.getloadavg()[0]:.2f}")
    models_dir = args.models_dir.resolve()
    model_id = args.model or shipped_model_id(models_dir)
    model, manifest = load_model(models_dir, model_id)
    digits = load_digits(args.images, manifest)
    print(f"model {model_id}; {len(digits)} MNIST test digits as PNG "
          f"({sum(map(len, digits.pngs)) / len(digits):.0f} bytes on average)")

    env = {"CNNPG_MODELS_DIR": str(models_dir), **server_env(parser, args.server_env)}
    launched = time.perf_counter()
    with server_process(env=env) as server, maybe_floor(not args.no_floor) as floor:
        ours = server.base
        settle = Settle([server.pid], enabled=args.settle)
        # server_process waited for the warm training workers too: measured while they
        # warm up (8 here, importing torch and taking a training step), every figure was
        # theirs as well.
        print(f"servers up, warm training workers ready, in "
              f"{time.perf_counter() - launched:.1f} s; measuring from now", flush=True)
        why = endpoint_ready(ours, model_id, single_body(digits, 0))
        if why is not None:
            print(f"the classification endpoint does not answer yet: {why}")
            return 2
        counts = sorted({1, default_threads})
        a_threads = bare_threads(model, digits.x[:1], counts)
        a = summarize_single(single(ours, floor, model_id, model, digits, requests,
                                    settle=settle))
        a["bare_threads"] = a_threads
        print_single(a)
        b_threads = bare_threads(model, batch_x(digits, 0, 64), counts)
        b = summarize_batch(batch(ours, floor, model_id, model, digits, batches,
                                  settle=settle))
        b["bare_threads"] = b_threads
        print_batch(b)
        # each size's bare forward at the thread count (a) and (b) found fastest: a bare
        # side left at (b)'s 2 threads spins them between single images, on the cores the
        # server needs
        torch.set_num_threads(a_threads["used"])
        e_single = protocol(ours, model_id, model, digits, requests, 1, settle)
        torch.set_num_threads(b_threads["used"])
        e = summarize_protocol([e_single, protocol(ours, model_id, model, digits, batches, 64,
                                                   settle)])
        print_protocol(e)
        print(f"\n{settle.report()}")
        torch.set_num_threads(default_threads)  # (d) runs the route's steps as the server
        c = summarize_concurrent(concurrent(ours, floor, model_id, digits, rounds, burst,
                                            args.clients))
        print_concurrent(c)
    d = sections(models_dir, model_id, digits, 50 if args.quick else 200)
    d_batch = batch_sections(models_dir, model_id, digits, 10 if args.quick else 30)
    print_sections(d, a, d_batch, b)
    print(f"load average at the end {os.getloadavg()[0]:.2f}")
    if args.json:
        args.json.write_text(json.dumps({
            "machine": machine(), "model_id": model_id, "single": a, "batch": b,
            "concurrent": c, "protocol": e, "sections_ms": dict(d),
            "batch_sections_ms": dict(d_batch), "settle": settle.report()}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
