"""Explain one output pixel of a filtered image: the neighbourhood, the weights, the sum."""

from __future__ import annotations

from typing import Any

import numpy as np

from server.errors import InvalidInput
from server.kernels.pipeline import FilterResult
from server.kernels.resolve import ResolvedStep
from server.text.marks import translatable

CHANNEL_NAMES = {1: (translatable("gray"),), 3: ("R", "G", "B")}


def source_index(i: int, n: int, padding: str) -> int | None:
    """Where padded coordinate i reads from in an axis of length n (None: a zero pad)."""
    if 0 <= i < n:
        return i
    if padding in ("zero", "none"):
        return None
    if padding == "replicate":
        return min(max(i, 0), n - 1)
    if padding == "circular":
        return i % n
    period = 2 * (n - 1) or 1  # reflect, edge not repeated (d c b | a b c d | c b a)
    i = abs(i) % period
    return i if i < n else period - i


def _fmt(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:.3g}"


def _window(image: np.ndarray, step: ResolvedStep, y: int, x: int, padding: str) -> tuple[
        np.ndarray, list[int | None], list[int | None]]:
    kh, kw = step.kernel_shape
    top, _, left, _ = step.pad
    d = step.dilation
    rows = [source_index(y * step.stride - top + u * d, image.shape[0], padding) for u in range(kh)]
    cols = [source_index(x * step.stride - left + v * d, image.shape[1], padding)
            for v in range(kw)]
    out = np.zeros((image.shape[2], kh, kw), dtype=np.float64)
    for u, r in enumerate(rows):
        for v, c in enumerate(cols):
            if r is not None and c is not None:
                out[:, u, v] = image[r, c, :]
    return out, rows, cols


def explain_pixel(result: FilterResult, x: int, y: int, channels_mode: str) -> dict[str, Any]:
    """result must come from run_pipeline(..., keep_inputs=True)."""
    height, width = result.values.shape[:2]
    if not (0 <= x < width and 0 <= y < height):
        raise InvalidInput(f"pixel ({x}, {y}) is outside the {width}x{height} result; use x < "
                           f"{width} and y < {height}", ["x" if not 0 <= x < width else "y"],
                           code="pixel_outside", params={"x": x, "y": y, "width": width,
                                                         "height": height})
    index = len(result.steps) - 1
    step, image = result.steps[index], result.inputs[index]
    nonlinear = step.op not in ("linear", "gradient_magnitude")
    padding = "replicate" if nonlinear else step.padding
    window, rows, cols = _window(image, step, y, x, padding)
    names = CHANNEL_NAMES.get(image.shape[2], tuple(str(c) for c in range(image.shape[2])))
    summed = channels_mode == "sum" and index == 0
    value = [float(v) for v in result.values[y, x, :]]
    info: dict[str, Any] = {
        "x": x, "y": y, "step": index, "op": step.op, "label": step.label,
        "rows": rows, "cols": cols, "value": value,
        "pixel": [int(p) for p in result.pixels[y, x, :]], "summed_over_channels": summed}
    if nonlinear:
        return _explain_nonlinear(info, step, window, names, value)
    return _explain_linear(info, step, window, names, summed)


def _explain_nonlinear(info: dict[str, Any], step: ResolvedStep, window: np.ndarray,
                       names: tuple[str, ...], value: list[float]) -> dict[str, Any]:
    """A median, min, max or bilateral output: the neighbourhood and what was taken of it."""
    what = {"median": "median", "min": "minimum", "max": "maximum",
            "bilateral": "bilateral (edge-aware weighted) average"}[step.op]
    info["text"] = f"{what} of the {step.size}x{step.size} neighbourhood = " + ", ".join(
        f"{n} {_fmt(v)}" for n, v in zip(names, value, strict=False))
    info["channels"] = [{"name": name, "inputs": window[c].tolist()}
                        for c, name in enumerate(names)]
    return info


def _explain_linear(info: dict[str, Any], step: ResolvedStep, window: np.ndarray,
                    names: tuple[str, ...], summed: bool) -> dict[str, Any]:
    """A weighted sum (or the gradient magnitude of two): every product, per channel."""
    channels: list[dict[str, Any]] = []
    kernels = [w.astype(np.float64) for w in step.weights]
    info["weights"] = [k.tolist() for k in kernels]
    texts = []
    for c, name in enumerate(names):
        entry: dict[str, Any] = {"name": name, "inputs": window[c].tolist()}
        sums = []
        for k in kernels:
            kc = k[c] if k.ndim == 3 else k
            sums.append(float((window[c] * kc).sum()))
        entry["sum"] = sums[0]
        if len(sums) == 2:
            entry["gx"], entry["gy"] = sums
        channels.append(entry)
        if kernels[0].ndim == 2 and kernels[0].size <= 25:
            terms = " + ".join(f"{_fmt(a)}*{_fmt(b)}" for a, b in
                               zip(window[c].ravel(), kernels[0].ravel(), strict=True))
            texts.append(f"{name}: {terms} = {_fmt(sums[0])}")
        else:
            texts.append(f"{name}: sum of {kernels[0][..., :, :].size} products = {_fmt(sums[0])}")
    info["channels"] = channels
    if summed:
        texts.append("summed over channels = " + _fmt(sum(ch["sum"] for ch in channels)))
    if step.op == "gradient_magnitude":
        texts = [f"{ch['name']}: sqrt(Gx^2 + Gy^2) = sqrt({_fmt(ch['gx'])}^2 + "
                 f"{_fmt(ch['gy'])}^2)" for ch in channels]
        if summed:
            texts.append("Gx and Gy summed over channels first")
    info["text"] = "; ".join(texts)
    return info
