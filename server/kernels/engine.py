"""The filtering engine: OpenCV for speed, with explicit padding, stride and dilation.

Arrays are float32 (H, W, C). cv2.filter2D computes cross-correlation; a 'convolution'
step has its weights flipped by resolve_step. filter2D's own border handling is used
whenever it can express the padding (one pass, no copy); circular padding and explicit
amounts go through copyMakeBorder and a 'valid' crop.
"""

from __future__ import annotations

import cv2
import numpy as np

from server.kernels.resolve import ResolvedStep

BORDERS = {
    "zero": cv2.BORDER_CONSTANT,
    "reflect": cv2.BORDER_REFLECT_101,  # d c b | a b c d | c b a, as torch/NumPy 'reflect'
    "replicate": cv2.BORDER_REPLICATE,
    "circular": cv2.BORDER_WRAP,
    "none": cv2.BORDER_CONSTANT,
}


def _hwc(array: np.ndarray) -> np.ndarray:
    return array[..., None] if array.ndim == 2 else array


def dilate_kernel(weights: np.ndarray, dilation: int) -> np.ndarray:
    """Insert dilation-1 zeros between kernel taps: (kh, kw) -> ((kh-1)d+1, (kw-1)d+1)."""
    if dilation == 1:
        return weights
    kh, kw = weights.shape
    out = np.zeros(((kh - 1) * dilation + 1, (kw - 1) * dilation + 1), dtype=weights.dtype)
    out[::dilation, ::dilation] = weights
    return out


def correlate(image: np.ndarray, weights: np.ndarray, step: ResolvedStep) -> np.ndarray:
    """Cross-correlate every channel of image (H, W, C) float32 with a 2-D kernel."""
    kernel = dilate_kernel(weights.astype(np.float32), step.dilation)
    eh, ew = kernel.shape
    top, bottom, left, right = step.pad
    border = BORDERS[step.padding]
    same_shape = top + bottom == eh - 1 and left + right == ew - 1
    if same_shape and border != cv2.BORDER_WRAP:
        # One pass: filter2D's anchor places the kernel so 'top' rows of padding precede row 0.
        out = cv2.filter2D(image, -1, kernel, anchor=(left, top), borderType=border)
    else:
        src = image
        if any(step.pad):
            src = cv2.copyMakeBorder(image, top, bottom, left, right, border, value=0)
        src = _hwc(src)
        full = cv2.filter2D(src, -1, kernel, anchor=(0, 0), borderType=cv2.BORDER_CONSTANT)
        out = full[: src.shape[0] - eh + 1, : src.shape[1] - ew + 1]
    out = _hwc(out)
    if step.stride > 1:
        out = np.ascontiguousarray(out[:: step.stride, :: step.stride])
    return out


def correlate_sum(image: np.ndarray, weights: np.ndarray, step: ResolvedStep) -> np.ndarray:
    """One multi-channel kernel summed over channels, as a CNN filter: (H, W, C) -> (H, W, 1)."""
    if weights.ndim == 2:
        # Linearity: sum_c (x_c * k) == (sum_c x_c) * k, one filter pass instead of C.
        return correlate(_hwc(image.sum(axis=2, dtype=np.float32)), weights, step)
    channels = image.shape[2]
    if weights.shape[0] != channels:
        raise ValueError(f"kernel has {weights.shape[0]} slices for {channels} channels")
    total = correlate(np.ascontiguousarray(image[..., :1]), weights[0], step)
    for c in range(1, channels):
        total += correlate(np.ascontiguousarray(image[..., c : c + 1]), weights[c], step)
    return total


def nonlinear(image: np.ndarray, step: ResolvedStep) -> np.ndarray:
    """median / bilateral / min / max, same size as the input (borders replicated)."""
    size = step.size
    if size == 1:
        return image.copy()
    if step.op in ("min", "max"):
        element = np.ones((size, size), np.uint8)
        fn = cv2.erode if step.op == "min" else cv2.dilate
        return _hwc(fn(image, element, borderType=cv2.BORDER_REPLICATE))
    if step.op == "bilateral":
        # Replicated borders, like the other non-linear filters (OpenCV's default reflects).
        return _hwc(cv2.bilateralFilter(image, size, step.params["sigma_color"],
                                        step.params["sigma_space"],
                                        borderType=cv2.BORDER_REPLICATE))
    return _median(image, size)


def _median(image: np.ndarray, size: int) -> np.ndarray:
    if size <= 5:  # OpenCV takes float32 only for apertures 3 and 5
        return _hwc(cv2.medianBlur(image, size))
    lo, hi = float(image.min()), float(image.max())
    integral = lo >= 0 and hi <= 255 and bool(np.all(image == np.round(image)))
    if integral:  # exact: the values already are 8-bit
        return _hwc(cv2.medianBlur(image.astype(np.uint8), size)).astype(np.float32)
    # The median commutes with a monotonic map: quantize to 8 bits, filter, map back.
    # Error is at most (hi - lo) / 510 per pixel; documented in docs/kernels.md.
    span = (hi - lo) or 1.0
    q = np.rint((image - lo) * (255.0 / span)).astype(np.uint8)
    out = _hwc(cv2.medianBlur(q, size)).astype(np.float32)
    return out * np.float32(span / 255.0) + np.float32(lo)


def apply_step(image: np.ndarray, step: ResolvedStep, sum_channels: bool) -> np.ndarray:
    """Run one resolved step on float32 (H, W, C)."""
    if step.op == "linear":
        weights = step.weights[0]
        if sum_channels:
            return correlate_sum(image, weights, step)
        return correlate(image, weights, step)
    if step.op == "gradient_magnitude":
        run = correlate_sum if sum_channels else correlate
        gx = run(image, step.weights[0], step)
        gy = run(image, step.weights[1], step)
        return _hwc(cv2.magnitude(gx, gy))
    return nonlinear(image, step)


def value_range(values: np.ndarray) -> tuple[float, float]:
    """(min, max) of all values. NaN anywhere gives NaN and +-inf shows in max/min, so the
    range is finite exactly when every value is: one result serves as the inf/NaN check,
    the stats and the 'normalize' mapping."""
    if values.size == 0:
        return 0.0, 0.0
    return float(values.min()), float(values.max())


def to_pixels(values: np.ndarray, mapping: str,
              known_range: tuple[float, float] | None = None) -> np.ndarray:
    """Map signed float results to uint8 pixels: clip, abs, normalize (min-max) or offset.
    known_range: value_range(values) when the caller already has it (normalize needs it)."""
    if mapping == "normalize":
        lo, hi = known_range if known_range is not None else value_range(values)
        scale = 255.0 / (hi - lo) if hi > lo else 0.0
        return _hwc(cv2.convertScaleAbs(values, alpha=scale, beta=-lo * scale))
    if mapping == "abs":
        return _hwc(cv2.convertScaleAbs(values))
    # cv2's saturating conversion rounds and clips in one pass (numpy's astype wraps).
    # The scalar is spelled per channel: OpenCV 4 reads a bare float as (v, 0, 0, 0).
    beta = 128.0 if mapping == "offset" else 0.0
    channels = values.shape[2] if values.ndim == 3 else 1
    scalar = (beta,) * channels + (0.0,) * (4 - channels)
    return _hwc(cv2.add(values, scalar, dtype=cv2.CV_8U))
