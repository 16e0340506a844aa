"""Numeric mode's forward pass on arrays: the geometry a request asks for (sizes, padding,
stride, dilation, each refusal quoting the numbers) and the convolution or pooling itself,
exact in int64 when every number is an integer and no sum can overflow."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from server.errors import InvalidInput
from server.kernels.matrix_spec import MAX_KERNEL_SIDE, MAX_KERNELS, MatrixRequest, _is_3d


@dataclass(frozen=True)
class Geometry:
    kh: int
    kw: int
    pad: int
    stride: int
    dilation: int
    out_h: int
    out_w: int

    @property
    def span(self) -> tuple[int, int]:
        """The rows and columns one window covers: a dilated kernel spans d*(k - 1) + 1."""
        return self.dilation * (self.kh - 1) + 1, self.dilation * (self.kw - 1) + 1


@dataclass(frozen=True)
class Problem:
    """A request's numbers as arrays: x (C, H, W), weights (K, C, kh, kw) as typed (None for
    pooling), bias (K,); integers stay int64."""

    op: str
    x: np.ndarray
    weights: np.ndarray | None
    bias: np.ndarray
    geom: Geometry
    activation: str | None
    formula: str

    @property
    def pooling(self) -> bool:
        return self.weights is None

    def used(self, weights: np.ndarray) -> np.ndarray:
        """The kernel as slid over the input: `convolution` flips it first."""
        return weights[..., ::-1, ::-1] if self.op == "convolution" else weights


def fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.4g}"


def as_array(values: Any) -> np.ndarray:
    """int64 when every value is an integer (exact), else float64."""
    arr = np.array(values)
    return arr.astype(np.int64) if arr.dtype.kind in "iu" else arr.astype(np.float64)


def integral(*arrays: np.ndarray) -> bool:
    return all(a.dtype.kind == "i" for a in arrays)


def peak(a: np.ndarray) -> float:
    return float(np.abs(a).max(initial=0))


def contract(spec: str, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """np.einsum, in int64 when both are integers and no sum of products can reach 2**62
    (float64 loses integers above 2**53), else in float64."""
    inputs, out = spec.split("->")
    sizes: dict[str, int] = {}
    for letters, arr in zip(inputs.split(","), (a, b), strict=True):
        sizes.update(zip(letters, arr.shape, strict=True))
    terms = math.prod(n for letter, n in sizes.items() if letter not in out)
    if integral(a, b) and peak(a) * peak(b) * terms < 2.0**62:
        dtype: type = np.int64
    else:
        dtype = np.float64
    result: np.ndarray = np.einsum(spec, a.astype(dtype, copy=False), b.astype(dtype, copy=False))
    return result


def number(value: Any) -> int | float:
    return int(value) if np.issubdtype(np.asarray(value).dtype, np.integer) else float(value)


def _kernels(req: MatrixRequest, channels: int) -> np.ndarray:
    if req.kernels is None:
        raise InvalidInput(f"op {req.op} needs 'kernels' (K x C x kh x kw)", ["kernels"],
                           code="kernels_missing", params={"op": req.op})
    try:
        arr = as_array(req.kernels)
    except ValueError:
        raise InvalidInput("kernels are ragged: every filter and channel slice needs the same "
                           "kh x kw size", ["kernels"], code="kernels_ragged") from None
    given = list(arr.shape)
    if arr.ndim == 2 and channels == 1:
        arr = arr[None, None]
    elif arr.ndim == 3 and channels == 1:
        arr = arr[:, None]
    if arr.ndim != 4 or arr.shape[1] != channels or min(arr.shape) == 0:
        raise InvalidInput(
            f"kernels have shape {given} but the input has {channels} channel(s); give "
            f"K x {channels} x kh x kw (one kh x kw slice per input channel for each filter)",
            ["kernels"], code="kernels_shape", params={"given": str(given), "channels": channels})
    if arr.shape[0] > MAX_KERNELS or max(arr.shape[2:]) > MAX_KERNEL_SIDE:
        raise InvalidInput(f"at most {MAX_KERNELS} kernels of up to 15x15", ["kernels"],
                           code="too_many_kernels", params={"max": MAX_KERNELS, "side": 15})
    return arr


def _out_size(n: int, f: int, p: int, s: int, axis: str, op: str, dims: str, size: str,
              window: dict[str, Any]) -> int:
    """One axis of the output; `window` ({kernel, dilation, span}) for the refusal's params."""
    formula = f"({n} - {f} + 2*{p})/{s} + 1"
    what = "window" if "pool" in op else "filter"
    if f > n + 2 * p:
        raise InvalidInput(
            f"{formula}: the {f}-wide {what} is larger than the padded {axis} of {n + 2 * p}; "
            "use a smaller size or more padding", ["kernels"], code="window_too_large",
            params={"formula": formula, "size": f, "what": what, "axis": axis,
                    "padded": n + 2 * p})
    exact = (n - f + 2 * p) / s + 1
    if not exact.is_integer():
        fits = [str(t) for t in range(1, min(n + 2 * p, 8) + 1) if (n - f + 2 * p) % t == 0]
        choices = ", ".join(fits[:-1]) + " or " + fits[-1] if len(fits) > 1 else fits[0]
        padded = f" with padding {p}" if p else ""
        raise InvalidInput(
            f"{formula} = {exact:.2f} is not a whole number: a {dims} {what} with stride {s} "
            f"does not fit a {size} input{padded}; use stride {choices}, "
            "or change the padding", ["stride"], code="matrix_stride_does_not_fit",
            params={"formula": formula, "exact": round(exact, 2), "what": what, "stride": s,
                    "size": size, "padding": p, "strides": [int(t) for t in fits], **window})
    return int(exact)


def _padding(req: MatrixRequest, kh: int, kw: int, stride: int, pooling: bool) -> int:
    if req.padding == "same":
        if kh % 2 == 0 or kh != kw or stride != 1:
            raise InvalidInput("padding 'same' needs a square odd kernel and stride 1; give a "
                               "number", ["padding"], code="padding_same_needs_odd")
        pad = req.dilation * (kh - 1) // 2
    else:
        pad = 0 if req.padding == "valid" else int(req.padding)
    if pooling and pad > req.size // 2:
        # As in torch: a window would otherwise lie wholly in the padding (max of nothing).
        raise InvalidInput(
            f"padding {pad} is more than half the {req.size}x{req.size} pooling window; use "
            f"padding 0 to {req.size // 2}", ["padding"], code="matrix_pool_padding_too_large",
            params={"padding": pad, "window": f"{req.size}x{req.size}", "max": req.size // 2})
    return pad


def _bias(req: MatrixRequest, kernels: int, pooling: bool) -> np.ndarray:
    """One value per kernel (integer zeros when not given); pooling takes none."""
    if req.bias is None:
        return np.zeros(kernels, dtype=np.int64)
    if pooling or len(req.bias) != kernels:
        raise InvalidInput(f"bias needs {kernels} value(s), one per kernel; got "
                           f"{len(req.bias)}", ["bias"], code="bias_count",
                           params={"kernels": kernels, "given": len(req.bias)})
    return as_array(req.bias)


def _geometry(req: MatrixRequest, shape: tuple[int, ...], ksize: tuple[int, int],
              pooling: bool) -> tuple[Geometry, str]:
    _, height, width = shape
    kh, kw = ksize
    stride = req.stride or (req.size if pooling else 1)
    pad = _padding(req, kh, kw, stride, pooling)
    d = req.dilation
    sh, sw = d * (kh - 1) + 1, d * (kw - 1) + 1
    dims = f"{kh}x{kw}" + (f" (dilation {d}: spanning {sh}x{sw})" if d > 1 else "")
    size = f"{height}x{width}"
    window = {"kernel": f"{kh}x{kw}", "dilation": d, "span": f"{sh}x{sw}"}
    out_h = _out_size(height, sh, pad, stride, "height", req.op, dims, size, window)
    out_w = _out_size(width, sw, pad, stride, "width", req.op, dims, size, window)
    formula = f"({height} - {sh} + 2*{pad})/{stride} + 1 = {out_h}"
    if (height, sh) != (width, sw):
        formula += f"; width: ({width} - {sw} + 2*{pad})/{stride} + 1 = {out_w}"
    if d > 1:
        formula += f" (a {kh}x{kw} kernel with dilation {d} spans {sh}x{sw})"
    return Geometry(kh, kw, pad, stride, d, out_h, out_w), formula


def load(req: MatrixRequest) -> Problem:
    """The request's numbers and geometry, every refusal naming its field and the fix."""
    x = as_array(req.input if _is_3d(req.input) else [req.input])  # (C, H, W)
    pooling = req.op in ("max_pool", "avg_pool")
    if pooling and req.dilation != 1:
        raise InvalidInput(f"dilation {req.dilation}: pooling windows here are dense; give "
                           "dilation 1 (or pick a convolution)", ["dilation"],
                           code="pool_dilation", params={"dilation": req.dilation})
    weights = None if pooling else _kernels(req, x.shape[0])
    ksize = (req.size, req.size) if pooling else weights.shape[2:]  # type: ignore[union-attr]
    geom, formula = _geometry(req, x.shape, (int(ksize[0]), int(ksize[1])), pooling)
    bias = _bias(req, 1 if weights is None else weights.shape[0], pooling)
    return Problem(req.op, x, weights, bias, geom, req.activation, formula)


def padded(prob: Problem) -> np.ndarray:
    """The input with its border: -inf for max pooling (never the maximum), else 0."""
    p = prob.geom.pad
    if prob.op == "max_pool":
        return np.pad(prob.x.astype(np.float64), ((0, 0), (p, p), (p, p)),
                      constant_values=-np.inf)
    return np.pad(prob.x, ((0, 0), (p, p), (p, p)))


def windows(xp: np.ndarray, geom: Geometry) -> np.ndarray:
    """(C, H', W', kh, kw): win[c, y, x, u, v] = xp[c, y*s + u*d, x*s + v*d] (a view)."""
    s, d = geom.stride, geom.dilation
    view = sliding_window_view(xp, geom.span, axis=(1, 2))[:, ::s, ::s]
    return view[:, : geom.out_h, : geom.out_w, :, :][..., ::d, ::d]


def forward(prob: Problem, win: np.ndarray, weights: np.ndarray | None = None,
            bias: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(Z, Y): the sums (or pooled values) and the output after the activation; `weights`
    and `bias` replace the request's (the SGD step's second forward pass)."""
    if prob.pooling:
        if prob.op == "max_pool":
            z = win.max(axis=(3, 4))
            z = np.rint(z).astype(np.int64) if integral(prob.x) else z  # input values: exact
        else:
            z = win.mean(axis=(3, 4))
    else:
        w = prob.weights if weights is None else weights
        b = prob.bias if bias is None else bias
        assert w is not None
        z = contract("chwuv,kcuv->khw", win, prob.used(w)) + b[:, None, None]
    y = np.maximum(z, 0) if prob.activation == "relu" else z
    return z, y
