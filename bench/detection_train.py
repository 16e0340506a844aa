"""Detector training benchmark (issue #18 part 3 target): yolo-tiny-mnist on mnist-detect.

    .venv/bin/python bench/detection_train.py [--seconds 180] [--epochs 10] [--width 16]

1. The target: mAP@0.5 on the 1,000 held-out test scenes (digits training never saw) after
   at most --seconds of training on 6,000 train scenes, printed after every epoch. Scene
   generation (first use, then cached) is timed apart and not counted.
2. The cost of our loss: images per second of one training step with our path (decode +
   yolo_loss) against a bare step (the same network, mean squared error on its raw output
   against the encoded labels), interleaved, median of 5 rounds of 20 batches; the ratio is
   ours / bare.

This is a benchmark, not a test: it always exits 0 unless something breaks.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `bench` and `server` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch
from torch import nn

from server.datasets.registry import DatasetRegistry
from server.detection import scene_cache
from server.detection.detector import GRID, normalise, yolo_tiny
from server.detection.yolo import decode, yolo_loss
from server.training.detection_fit import Epoch, label_grids, train_detector


def step_rate(model: nn.Module, inputs: torch.Tensor, labels: torch.Tensor, ours: bool,
              batches: int = 20, batch: int = 64) -> float:
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-4)
    flat = labels.reshape(len(labels), GRID.cells, GRID.cells, -1)
    started = time.perf_counter()
    for n in range(batches):
        pick = slice(n * batch, (n + 1) * batch)
        out = model(inputs[pick])
        loss = (yolo_loss(decode(GRID, out), labels[pick]) if ours
                else nn.functional.mse_loss(out, flat[pick]))
        optimiser.zero_grad(set_to_none=True)
        torch.autograd.backward(loss)
        optimiser.step()
    return batches * batch / (time.perf_counter() - started)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=180.0)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--width", type=int, default=16)
    args = parser.parse_args()
    print(f"# {platform.processor() or platform.machine()}, torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads")
    with tempfile.TemporaryDirectory() as folder:
        registry = DatasetRegistry(Path(folder) / "downloads")
        started = time.perf_counter()
        train = scene_cache.load_scenes(Path(folder), registry, "train")
        test = scene_cache.load_scenes(Path(folder), registry, "test")
        print(f"scenes: {len(train)} train, {len(test)} test, generated in "
              f"{time.perf_counter() - started:.1f} s")
        torch.manual_seed(0)
        model = yolo_tiny(width=args.width)

        def report(epoch: Epoch) -> None:
            print(f"epoch {epoch.epoch:2d}  loss {epoch.loss:7.3f}  mAP@0.5 {epoch.map50:.3f}  "
                  f"at {epoch.seconds:6.1f} s", flush=True)

        history = train_detector(model, GRID, train, test, epochs=args.epochs,
                                 seconds=args.seconds, on_epoch=report)
        last = history.epochs[-1]
        print(f"target: mAP@0.5 {last.map50:.3f} after {last.seconds:.0f} s "
              f"(goal >= 0.8 within {args.seconds:.0f} s): "
              f"{'met' if last.map50 >= 0.8 and last.seconds <= args.seconds else 'missed'}")
        print("AP per class: " + ", ".join(f"{c}: {ap:.2f}" for c, ap in last.per_class.items()))
        inputs, labels = normalise(train.images[:1280]), label_grids(GRID, train.first(1280))
        rates: dict[bool, list[float]] = {True: [], False: []}
        for _ in range(5):
            for ours in (False, True):
                rates[ours].append(step_rate(yolo_tiny(width=args.width), inputs, labels, ours))
        bare, ours_rate = statistics.median(rates[False]), statistics.median(rates[True])
        print(f"training step: ours {ours_rate:.0f} img/s, bare {bare:.0f} img/s, "
              f"ratio {ours_rate / bare:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
