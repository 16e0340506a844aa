"""Calibration of the filter cost estimate (server/kernels/cost.py, CNNPG_MAX_FILTER_COST).

    .venv/bin/python bench/filter_cost.py [--quick]

For a grid of single steps (every kind of filter, small to large windows) on RGB photos of
several sizes, runs `run_pipeline` (what a request computes) and prints the estimated
seconds beside the measured ones (the best of a few runs) and their ratio. A ratio near 1
or above means the estimate is honest or cautious; far below 1 would let work past the
limit. Then the two pipelines the limit is designed around: 8 bilateral(15) steps on a
1 MP photo (must be over the default 0.5 s) and the largest built-in sample with every
library kernel (must be under). A benchmark, not a test: it always exits 0.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

if __package__ in (None, ""):  # run as a script: make `bench` and `server` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from server.config import Settings
from server.kernels.cost import estimate
from server.kernels.library import KERNELS
from server.kernels.pipeline import resolve_pipeline, run_pipeline
from server.kernels.spec import Pipeline

STEPS: list[dict[str, Any]] = [
    {"kernel": "identity"}, {"kernel": "box_blur_3"}, {"kernel": "gaussian_5"},
    {"kernel": "gaussian", "params": {"size": 9, "sigma": 2}},
    {"kernel": "gaussian", "params": {"size": 11, "sigma": 3}},
    {"kernel": "gaussian", "params": {"size": 15, "sigma": 4}},
    {"kernel": "box_blur_3", "dilation": 8}, {"kernel": "sobel_magnitude"},
    {"kernel": "median", "params": {"size": 3}}, {"kernel": "median", "params": {"size": 5}},
    {"kernel": "median", "params": {"size": 9}}, {"kernel": "median", "params": {"size": 15}},
    {"kernel": "bilateral", "params": {"size": 5}}, {"kernel": "bilateral"},
    {"kernel": "bilateral", "params": {"size": 15}}, {"kernel": "min", "params": {"size": 3}},
    {"kernel": "max", "params": {"size": 15}}, {"kernel": "sharpen", "stride": 2},
]


def _photo(side: int) -> np.ndarray:
    rng = np.random.default_rng(side)
    return rng.integers(0, 256, (side, side, 3)).astype(np.float32)


def measure(source: np.ndarray, pipeline: Pipeline, repeats: int) -> tuple[float, float]:
    """(estimated, measured) seconds: the estimate, and the best of `repeats` runs."""
    height, width, channels = source.shape
    steps = resolve_pipeline(pipeline, channels)
    est = sum(c.seconds for c in estimate(steps, height, width, channels,
                                          pipeline.channels == "sum"))
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        run_pipeline(source, pipeline, 10**9)
        best = min(best, time.perf_counter() - started)
    return est, best


def grid(sides: list[int], repeats: int) -> list[float]:
    print(f"{'step':44} {'size':>9} {'estimate s':>11} {'measured s':>11} {'ratio':>6}")
    ratios = []
    for side in sides:
        source = _photo(side)
        for step in STEPS:
            est, took = measure(source, Pipeline.model_validate({"steps": [step]}), repeats)
            ratios.append(est / took)
            name = step["kernel"] + "".join(f" {k}={v}" for k, v in step.items()
                                            if k != "kernel")
            print(f"{name[:44]:44} {side:>4}x{side:<4} {est:11.4f} {took:11.4f} "
                  f"{est / took:6.2f}")
    return ratios


def design_points(limit: float) -> None:
    source = _photo(1000)
    eight = Pipeline.model_validate({"steps": [{"kernel": "bilateral",
                                                "params": {"size": 15}}] * 8})
    est, took = measure(source, eight, 1)
    print(f"\n8 x bilateral(15) on 1000x1000 RGB: estimate {est:.2f} s, measured {took:.2f} s, "
          f"limit {limit} s -> {'over (refused)' if est > limit else 'UNDER: recalibrate'}")
    samples = Path(__file__).resolve().parent.parent / "server" / "data" / "images"
    import cv2

    worst = (0.0, "")
    for path in sorted(samples.glob("*.png")):
        pixels = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
        assert pixels is not None, path
        image = (pixels[..., None] if pixels.ndim == 2 else pixels).astype(np.float32)
        for name in KERNELS:
            est, _ = measure(image, Pipeline.model_validate({"steps": [{"kernel": name}]}), 0)
            worst = max(worst, (est, f"{path.stem} + {name}"))
    print(f"most expensive sample with one library kernel: {worst[1]}, estimate "
          f"{worst[0]:.3f} s (limit {limit} s)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer sizes and repeats")
    args = parser.parse_args(argv)
    sides, repeats = ([512, 1000], 2) if args.quick else ([256, 512, 1000, 2000], 3)
    ratios = grid(sides, repeats)
    print(f"\nestimate / measured: median {float(np.median(ratios)):.2f}, min "
          f"{min(ratios):.2f}, max {max(ratios):.2f} over {len(ratios)} cases")
    design_points(Settings().max_filter_cost)


if __name__ == "__main__":
    main()
