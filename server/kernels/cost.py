"""What a filter pipeline will cost, estimated from the image size before any filtering.

Each step costs pixels x channels x the work per value, in nanoseconds measured on the
reference machine (2 Xeon cores, otherwise idle) with OpenCV's own threads
(bench/filter_cost.py prints the estimate beside the measured time; docs/performance.md
has the numbers). A pipeline estimated above the
limit (CNNPG_MAX_FILTER_COST, seconds) is refused with a 422 before it runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from server.errors import InvalidInput
from server.kernels.resolve import ResolvedStep

NS = 1e-9
PASS_NS = 1.3  # per value: the inf/NaN check, the copy a step makes, the uint8 mapping
LINEAR_NS = 0.6  # per value, plus LINEAR_TAP_NS per kernel tap (OpenCV's direct filter2D)
LINEAR_TAP_NS = 0.03
LINEAR_DFT_TAPS = 144  # from about 12x12 taps up, filter2D works in the frequency domain...
LINEAR_DFT_NS = 16.0  # ...at a cost per value that no longer grows with the kernel
GRADIENT_NS = 5.0  # the magnitude of the two responses
BILATERAL_TAP_NS = 0.25  # per value and tap of the d x d window
MEDIAN_SMALL_NS = {3: 0.9, 5: 2.3}  # float32 median, 3x3 and 5x5
MEDIAN_NS = 36.0  # 8-bit median for larger windows (a histogram per pixel), quantization too
MORPHOLOGY_NS = 0.1  # min / max per value and window side (OpenCV erodes by rows then columns)


@dataclass(frozen=True)
class StepCost:
    index: int
    label: str
    seconds: float
    shape: str | None = None  # a custom kernel's kh x kw (its label is "custom {shape}")

    def describe(self) -> str:
        return f"step {self.index} ({self.label}) about {self.seconds:.2f} s"

    def params(self, n: int) -> dict[str, Any]:
        """The values describe() quotes, as the n-th step of the message's ctx: a catalogue
        label (pages translate it) or a custom kernel's shape."""
        named = {f"shape{n}": self.shape} if self.shape else {f"label{n}": self.label}
        return {f"step{n}": self.index, **named, f"seconds{n}": round(self.seconds, 2)}


def _linear_ns(step: ResolvedStep) -> float:
    eh, ew = step.effective_shape  # a dilated kernel is filtered with its zeros
    taps = eh * ew
    if taps >= LINEAR_DFT_TAPS:
        return LINEAR_DFT_NS
    return LINEAR_NS + LINEAR_TAP_NS * taps


def _per_value_ns(step: ResolvedStep) -> float:
    if step.op == "linear":
        return _linear_ns(step)
    if step.op == "gradient_magnitude":
        return 2 * _linear_ns(step) + GRADIENT_NS
    if step.op == "bilateral":
        return BILATERAL_TAP_NS * step.size * step.size
    if step.op == "median":
        return MEDIAN_SMALL_NS.get(step.size, MEDIAN_NS)
    return MORPHOLOGY_NS * step.size  # min, max


def estimate(steps: list[ResolvedStep], height: int, width: int, channels: int,
             sum_first: bool) -> list[StepCost]:
    """Seconds per step for an input of height x width x channels; sum_first: the first
    step folds the channels into one (channels='sum')."""
    costs = []
    for i, step in enumerate(steps):
        top, bottom, left, right = step.pad
        padded = (height + top + bottom) * (width + left + right)
        work = channels
        if sum_first and i == 0:
            multi = bool(step.weights) and step.weights[0].ndim == 3
            work = channels if multi else 1  # a 2-D kernel filters the channels' sum once
            channels = 1
        seconds = padded * work * (_per_value_ns(step) + PASS_NS) * NS
        shape = "x".join(map(str, step.kernel_shape)) if step.custom else None
        costs.append(StepCost(i, step.label, seconds, shape))
        height, width = step.output_size(height, width)
        if height < 1 or width < 1:
            break  # check_fits reports it when the pipeline runs
    return costs


def check_cost(costs: list[StepCost], height: int, width: int, limit: float) -> None:
    total = sum(c.seconds for c in costs)
    if total <= limit:
        return
    worst = sorted(costs, key=lambda c: c.seconds, reverse=True)[:3]
    # Pages write the message from these (server/errors.py), with its 1 to 3 steps.
    params: dict[str, Any] = {"width": width, "height": height, "total": round(total, 2),
                              "limit": limit, "steps": len(worst)}
    for n, cost in enumerate(worst, 1):
        params |= cost.params(n)
    raise InvalidInput(
        f"this pipeline on a {width}x{height} image would take about {total:.2f} s of "
        f"computing ({'; '.join(c.describe() for c in worst)}); the limit is {limit:g} s per "
        "request (setting CNNPG_MAX_FILTER_COST): filter a smaller image (preview_max_side, "
        "or a smaller upload), or use fewer or smaller steps", ["steps", worst[0].index],
        code="filter_cost_too_high", params=params)
