"""Run a Pipeline on an image: resolve every step, check it fits, filter, map to pixels."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import cv2
import numpy as np

from server.errors import InvalidInput, ManyErrors, PlaygroundError, TooLarge
from server.kernels.cost import check_cost, estimate
from server.kernels.engine import apply_step, to_pixels, value_range
from server.kernels.resolve import ResolvedStep, check_fits, resolve_step
from server.kernels.spec import Pipeline


@dataclass
class FilterResult:
    values: np.ndarray  # float32 (H', W', C'): the unclipped response
    pixels: np.ndarray  # uint8 (H', W', C') after the output mapping
    steps: list[ResolvedStep]
    compute_ms: float
    notes: list[str] = field(default_factory=list)
    inputs: list[np.ndarray] = field(default_factory=list)  # each step's input, if kept
    value_range: tuple[float, float] | None = None  # (min, max) of values, when known

    def stats(self) -> dict[str, float]:
        v = self.values
        lo, hi = self.value_range or (float(v.min()), float(v.max()))
        channels = v.shape[2] if v.ndim == 3 else 1
        # cv2.mean is one SIMD pass per channel, about twice as fast as ndarray.mean here.
        mean = float(np.mean(cv2.mean(v)[:channels])) if channels <= 4 else float(v.mean())
        return {"min": lo, "max": hi, "mean": mean}


def prepare_input(pixels: np.ndarray, channels: str) -> np.ndarray:
    """uint8 (H, W, C) -> float32 (H, W, C'), grayscale first when asked (ITU-R 601 luma)."""
    if channels == "grayscale" and pixels.shape[2] == 3:
        gray = cv2.cvtColor(pixels, cv2.COLOR_RGB2GRAY).astype(np.float32)
        return gray[..., None]
    return pixels.astype(np.float32)


def resolve_pipeline(pipeline: Pipeline, in_channels: int) -> list[ResolvedStep]:
    """Resolve every step, collecting all problems so the user sees them at once."""
    errors: list[PlaygroundError] = []
    steps: list[ResolvedStep] = []
    for i, spec in enumerate(pipeline.steps):
        loc: list[str | int] = ["steps", i]
        try:
            step = resolve_step(spec, loc)
        except PlaygroundError as exc:
            errors.append(exc)
            continue
        multi = step.weights and step.weights[0].ndim == 3
        if multi and (pipeline.channels != "sum" or i != 0):
            errors.append(InvalidInput(
                "a matrix with one slice per channel (C x kh x kw) needs channels='sum' and must "
                "be the first step; give a 2-D matrix or switch channels to 'sum'",
                [*loc, "matrix"]))
        elif multi and step.weights[0].shape[0] != in_channels:
            errors.append(InvalidInput(
                f"the matrix has {step.weights[0].shape[0]} channel slices but the image has "
                f"{in_channels} channel(s); give {in_channels} slices", [*loc, "matrix"]))
        if pipeline.channels == "sum" and i == 0 and step.op not in ("linear",
                                                                    "gradient_magnitude"):
            errors.append(InvalidInput(
                f"channels='sum' combines the channels with the first step's kernel, but "
                f"{step.label} is not a convolution; put a convolution first or use 'separate'",
                ["channels"]))
        steps.append(step)
    if errors:
        raise errors[0] if len(errors) == 1 else ManyErrors(errors)
    return steps


def run_pipeline(
    source: np.ndarray,
    pipeline: Pipeline,
    max_pixels: int,
    keep_inputs: bool = False,
    max_cost: float | None = None,
) -> FilterResult:
    """source: float32 (H, W, C) from prepare_input (cached by the caller). max_cost: the
    most seconds of estimated work allowed (server/kernels/cost.py); None: no limit."""
    steps = resolve_pipeline(pipeline, source.shape[2])
    if max_cost is not None:
        height, width, channels = source.shape
        costs = estimate(steps, height, width, channels, pipeline.channels == "sum")
        check_cost(costs, height, width, max_cost)
    started = time.perf_counter()
    current = source
    inputs: list[np.ndarray] = []
    notes: list[str] = []
    for i, step in enumerate(steps):
        loc: list[str | int] = ["steps", i]
        height, width = current.shape[:2]
        check_fits(step, height, width, loc)
        out_h, out_w = step.output_size(height, width)
        if out_h * out_w > max_pixels:
            raise TooLarge(
                f"step {i} would produce {out_w}x{out_h} = {out_w * out_h / 1e6:.1f} megapixels; "
                f"the limit is {max_pixels / 1e6:.1f}; use less padding or a larger stride", loc,
                code="result_too_large",
                params={"step": i, "size": f"{out_w}x{out_h}", "megapixels": out_w * out_h / 1e6,
                        "limit": max_pixels / 1e6})
        if step.op in ("median", "bilateral", "min", "max") and step.padding != "zero":
            notes.append(f"step {i}: {step.label} ignores padding; borders are replicated")
        if keep_inputs:
            inputs.append(current)
        current = apply_step(current, step, pipeline.channels == "sum" and i == 0)
        # Checked after every step: inf fed to the next filter (a median's 8-bit
        # quantization, inf - inf) turns into NaN warnings or garbage. The range is finite
        # exactly when every value is, and the last one serves the stats and 'normalize'.
        lo, hi = value_range(current)
        if not (np.isfinite(lo) and np.isfinite(hi)):
            raise InvalidInput(f"step {i}'s result contains inf or NaN: a kernel value is too "
                               "large; scale the kernel down", loc, code="result_not_finite",
                               params={"step": i})
    compute_ms = (time.perf_counter() - started) * 1000
    pixels = to_pixels(current, pipeline.output, known_range=(lo, hi))
    return FilterResult(values=current, pixels=pixels, steps=steps, compute_ms=compute_ms,
                        notes=notes, inputs=inputs, value_range=(lo, hi))
