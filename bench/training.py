"""Live training benchmark: our run machinery against a bare PyTorch loop, and LeNet on
MNIST end to end.

    .venv/bin/python bench/training.py [--quick] [--device cpu|cuda] [--json out.json]

The same network (preset lenet-mnist through `build_model`), the same prepared tensors
(`server.training.data.prepare` with the run's split and seed, as `Session.build` does),
Adam lr 0.001, batch 64, the same seeded batch order, and the same torch thread count as
a lone run gets from the pool (`thread_share(cores, 1, Settings().train_threads)`:
every core unless CNNPG_TRAIN_THREADS says otherwise) on both sides:

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

This file is the entry point; the parts live beside it: training_timing.py (windows, the
/proc CPU meter), training_bare.py (the bare loop), training_client.py (a run and its
websocket client), training_rounds.py, training_pairs.py and training_e2e.py (parts 1-3).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

import torch

if __package__ in (None, ""):  # run as a script: make `bench` and `server` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import median, running_server, wait_warm
from bench.training_bare import bare_run
from bench.training_client import DATASET, PRESET
from bench.training_e2e import E2E_EPOCHS, end_to_end, print_end_to_end
from bench.training_pairs import interleaved, print_pairs, summarize_pairs
from bench.training_rounds import print_rounds, summarize_rounds, whole_runs
from server.config import Settings
from server.datasets.registry import DatasetRegistry
from server.nn.presets import Presets
from server.training.data import prepare
from server.training.executors.admission import thread_share
from server.training.spec import TrainingConfig


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
             f"thread_share for a lone run; torch's own default here is {os.cpu_count()})"]
    if device.type == "cuda":
        lines.append(f"GPU: {torch.cuda.get_device_name(device)}")
    return lines


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
    threads = thread_share(len(os.sched_getaffinity(0)), 1, settings.train_threads)  # the pool's
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
            engine = wait_warm(base)  # rounds measure training, not the pool's warm-up
            print(f"warm pool ready {time.perf_counter() - launched:.1f} s after launch: "
                  f"{engine['ready']} workers", flush=True)
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
