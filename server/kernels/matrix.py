"""Numeric mode: convolution and pooling on small grids, exact for integers, with the sum
behind any one output spelled out term by term (the classic slide walk-through)."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from server.errors import InvalidInput
from server.kernels.matrix_spec import MAX_KERNELS, MatrixRequest, _is_3d


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.4g}"


def _as_array(req: MatrixRequest) -> np.ndarray:
    grids = req.input if _is_3d(req.input) else [req.input]
    return np.array(grids, dtype=np.float64)  # (C, H, W)


def _kernels(req: MatrixRequest, channels: int) -> np.ndarray:
    if req.kernels is None:
        raise InvalidInput(f"op {req.op} needs 'kernels' (K x C x kh x kw)", ["kernels"])
    k = np.array(req.kernels, dtype=object)
    try:
        arr = np.array(req.kernels, dtype=np.float64)
    except ValueError:
        raise InvalidInput("kernels are ragged: every filter and channel slice needs the same "
                           "kh x kw size", ["kernels"]) from None
    if arr.ndim == 2 and channels == 1:
        arr = arr[None, None]
    elif arr.ndim == 3 and channels == 1:
        arr = arr[:, None]
    if arr.ndim != 4 or arr.shape[1] != channels or min(arr.shape) == 0:
        raise InvalidInput(
            f"kernels have shape {list(k.shape)} but the input has {channels} channel(s); give "
            f"K x {channels} x kh x kw (one kh x kw slice per input channel for each filter)",
            ["kernels"])
    if arr.shape[0] > MAX_KERNELS or max(arr.shape[2:]) > 15:
        raise InvalidInput(f"at most {MAX_KERNELS} kernels of up to 15x15", ["kernels"])
    return arr


def _out_size(n: int, f: int, p: int, s: int, axis: str, op: str, dims: str, size: str) -> int:
    formula = f"({n} - {f} + 2*{p})/{s} + 1"
    if f > n + 2 * p:
        raise InvalidInput(
            f"{formula}: the {f}-wide {'filter' if 'pool' not in op else 'window'} is larger than "
            f"the padded {axis} of {n + 2 * p}; use a smaller size or more padding", ["kernels"])
    exact = (n - f + 2 * p) / s + 1
    if not exact.is_integer():
        fits = [str(t) for t in range(1, min(n + 2 * p, 8) + 1) if (n - f + 2 * p) % t == 0]
        choices = ", ".join(fits[:-1]) + " or " + fits[-1] if len(fits) > 1 else fits[0]
        what = "window" if "pool" in op else "filter"
        padded = f" with padding {p}" if p else ""
        raise InvalidInput(
            f"{formula} = {exact:.2f} is not a whole number: a {dims} {what} with stride {s} "
            f"does not fit a {size} input{padded}; use stride {choices}, "
            "or change the padding", ["stride"])
    return int(exact)


def _padding(req: MatrixRequest, kh: int, kw: int, stride: int, pooling: bool) -> int:
    if req.padding == "same":
        if kh % 2 == 0 or kw % 2 == 0 or stride != 1:
            raise InvalidInput("padding 'same' needs an odd kernel and stride 1; give a number",
                               ["padding"])
        pad = (kh - 1) // 2
    else:
        pad = 0 if req.padding == "valid" else int(req.padding)
    if pooling and pad > req.size // 2:
        # As in torch: a window would otherwise lie wholly in the padding (max of nothing).
        raise InvalidInput(
            f"padding {pad} is more than half the {req.size}x{req.size} pooling window; use "
            f"padding 0 to {req.size // 2}", ["padding"])
    return pad


def _bias(req: MatrixRequest, kernels: int, pooling: bool) -> np.ndarray:
    """One value per kernel (zeros when not given); pooling takes none."""
    if req.bias is None:
        return np.zeros(kernels)
    if pooling or len(req.bias) != kernels:
        raise InvalidInput(f"bias needs {kernels} value(s), one per kernel; got "
                           f"{len(req.bias)}", ["bias"])
    return np.array(req.bias, dtype=np.float64)


def run_matrix(req: MatrixRequest) -> dict[str, Any]:
    x = _as_array(req)  # (C, H, W)
    channels, height, width = x.shape
    pooling = req.op in ("max_pool", "avg_pool")
    weights = None if pooling else _kernels(req, channels)
    kh, kw = (req.size, req.size) if pooling else weights.shape[2:]  # type: ignore[union-attr]
    stride = req.stride or (req.size if pooling else 1)
    pad = _padding(req, kh, kw, stride, pooling)
    dims = f"{kh}x{kw}"
    out_h = _out_size(height, kh, pad, stride, "height", req.op, dims, f"{height}x{width}")
    out_w = _out_size(width, kw, pad, stride, "width", req.op, dims, f"{height}x{width}")
    fill = -np.inf if req.op == "max_pool" else 0.0
    xp = np.pad(x, ((0, 0), (pad, pad), (pad, pad)), constant_values=fill)
    win = sliding_window_view(xp, (kh, kw), axis=(1, 2))[:, ::stride, ::stride][:, :out_h, :out_w]
    bias = _bias(req, 1 if pooling else weights.shape[0], pooling)  # type: ignore[union-attr]
    if pooling:
        reduce = np.max if req.op == "max_pool" else np.mean
        out = reduce(win, axis=(3, 4))  # (C, H', W')
        w_eff = None
    else:
        assert weights is not None
        w_eff = weights[..., ::-1, ::-1] if req.op == "convolution" else weights
        if _integral(req) and _int64_safe(x, weights, bias):
            # Exact integer arithmetic: float64 loses integers above 2**53.
            out = np.einsum("chwuv,kcuv->khw", win.astype(np.int64), w_eff.astype(np.int64))
            out += bias.astype(np.int64)[:, None, None]
        else:
            out = np.einsum("chwuv,kcuv->khw", win, w_eff) + bias[:, None, None]
    if req.activation == "relu":
        out = np.maximum(out, 0)
    formula = f"({height} - {kh} + 2*{pad})/{stride} + 1 = {out_h}"
    if (height, kh) != (width, kw):
        formula += f"; width: ({width} - {kw} + 2*{pad})/{stride} + 1 = {out_w}"
    result: dict[str, Any] = {
        "output": _numbers(out, req), "output_shape": list(out.shape), "formula": formula,
        "padding": pad, "stride": stride}
    if req.explain is not None:
        result["explain"] = _explain(req, xp, w_eff, bias, out, pad, stride, (kh, kw))
    return result


def _integral(req: MatrixRequest) -> bool:
    if req.op == "avg_pool":
        return False
    def ints(v: Any) -> bool:
        return all(ints(i) for i in v) if isinstance(v, list) else isinstance(v, int)
    return ints(req.input) and ints(req.kernels or []) and ints(req.bias or [])


def _int64_safe(x: np.ndarray, weights: np.ndarray, bias: np.ndarray) -> bool:
    """No sum of products (plus bias) can overflow int64."""
    terms = int(np.prod(weights.shape[1:]))  # C * kh * kw products per output
    bound = (float(np.abs(x).max()) * float(np.abs(weights).max()) * terms
             + float(np.abs(bias).max(initial=0)))
    return bound < 2.0**62


def _numbers(out: np.ndarray, req: MatrixRequest) -> list[Any]:
    if np.issubdtype(out.dtype, np.integer):
        return out.tolist()  # type: ignore[no-any-return]
    if _integral(req) and req.op == "max_pool":  # the maxima are input values: exact
        return np.rint(out).astype(np.int64).tolist()  # type: ignore[no-any-return]
    return out.tolist()  # type: ignore[no-any-return]


def _explain(req: MatrixRequest, xp: np.ndarray, w: np.ndarray | None, bias: np.ndarray,
             out: np.ndarray, pad: int, stride: int, ksize: tuple[int, int]) -> dict[str, Any]:
    at = req.explain
    assert at is not None
    k_out, h_out, w_out = out.shape
    if at.channel >= k_out or at.row >= h_out or at.col >= w_out:
        raise InvalidInput(
            f"explain ({at.channel}, {at.row}, {at.col}) is outside the {k_out}x{h_out}x{w_out} "
            f"output; use channel < {k_out}, row < {h_out}, col < {w_out}", ["explain"])
    kh, kw = ksize
    r0, c0 = at.row * stride, at.col * stride
    terms: list[dict[str, Any]] = []
    channel_sums: list[float] = []
    pieces: list[str] = []
    pool_channel = at.channel if w is None else None
    for c in range(xp.shape[0]):
        if pool_channel is not None and c != pool_channel:
            continue
        total = 0.0
        for u in range(kh):
            for v in range(kw):
                value = float(xp[c, r0 + u, c0 + v])
                term: dict[str, Any] = {"channel": c, "row": r0 + u - pad, "col": c0 + v - pad,
                                        "padding": not (pad <= r0 + u < xp.shape[1] - pad and
                                                        pad <= c0 + v < xp.shape[2] - pad),
                                        "input": None if np.isinf(value) else value}
                if w is not None:
                    weight = float(w[at.channel, c, u, v])
                    term.update(weight=weight, product=value * weight)
                    total += value * weight
                    pieces.append(f"{_fmt(value)}*{_fmt(weight)}")
                else:
                    pieces.append("pad" if np.isinf(value) else _fmt(value))
                terms.append(term)
        channel_sums.append(total)
    value = float(out[at.channel, at.row, at.col])
    if w is None:
        name = "max" if req.op == "max_pool" else "mean"
        text = f"{name}({', '.join(pieces)}) = {_fmt(value)}"
        return {"terms": terms, "value": value, "text": text}
    pre = sum(channel_sums) + float(bias[at.channel])
    text = " + ".join(pieces)
    if bias[at.channel]:
        text += f" + bias {_fmt(float(bias[at.channel]))}"
    text += f" = {_fmt(pre)}"
    if req.activation == "relu":
        text += f"; relu -> {_fmt(value)}"
    return {"terms": terms, "channel_sums": channel_sums, "sum": sum(channel_sums),
            "bias": float(bias[at.channel]), "pre_activation": pre, "value": value, "text": text}
