"""Backpropagation through numeric mode's one layer, by the textbook identities:

    dL/dZ = dL/dY, masked by relu (Z > 0) when there is one
    dL/dW[k, c] = the cross-correlation of the padded input X[c] with dL/dZ[k]
    dL/db[k]    = sum of dL/dZ[k]
    dL/dX[c]    = sum over k of the full convolution of dL/dZ[k] with W[k, c], padding cut off

with the stride spreading dL/dZ out (s - 1 zeros between entries) and the dilation spreading
the kernel. Gradients are for the kernel as typed: `convolution` flips it forward, so its
gradient is flipped back. Max pooling routes dL/dY to its window's arg-max (the first maximum
in row-major order, as torch), average pooling spreads it evenly over the window, padded
cells included (torch's count_include_pad=True). Integers stay exact (int64)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from server.errors import InvalidInput
from server.kernels.matrix_forward import (
    Problem,
    as_array,
    contract,
    forward,
    integral,
    number,
    peak,
    windows,
)
from server.kernels.matrix_grad_explain import explain_gradient, identities
from server.kernels.matrix_spec import Backward
from server.text.marks import translatable


@dataclass(frozen=True)
class Gradients:
    output: np.ndarray  # dL/dY (K, H', W')
    pre: np.ndarray  # dL/dZ: dL/dY through relu's mask
    input: np.ndarray  # (C, H, W)
    kernels: np.ndarray | None  # (K, C, kh, kw), as typed
    bias: np.ndarray | None  # (K,)


def _given(spec: Backward, field: str, shape: tuple[int, ...]) -> np.ndarray:
    """output_grad or target as a K x H' x W' array, refused unless it matches the output."""
    arr = as_array(getattr(spec, field))
    k, oh, ow = shape
    if arr.ndim == 2 and k == 1:
        arr = arr[None]
    if arr.shape != shape:
        given = "x".join(str(n) for n in np.shape(getattr(spec, field)))
        one = f" (or one {oh}x{ow} grid)" if k == 1 else ""
        raise InvalidInput(
            f"backward.{field} is {given} but the output is {k}x{oh}x{ow} (K x H' x W', after "
            f"the activation); give {k} grid(s) of {oh}x{ow}{one}, one number per output value",
            ["backward", field], code="backward_grid_shape",
            params={"field": field, "given": given, "output": f"{k}x{oh}x{ow}", "maps": k,
                    "grid": f"{oh}x{ow}"})
    return arr


def _loss(spec: Backward, y: np.ndarray, target: np.ndarray | None) -> int | float:
    if target is None:  # L = sum(output_grad * Y): a linear loss whose gradient is output_grad
        return number(contract("khw,khw->", as_array(spec.output_grad).reshape(y.shape), y))
    r = y - target
    total = contract("khw,khw->", r, r)
    return number(total // 2) if integral(total) and total % 2 == 0 else float(total) / 2


def input_grad(prob: Problem, pre: np.ndarray) -> np.ndarray:
    """dL/dX: the full convolution of dL/dZ (spread out by the stride) with the kernel as used
    (spread out by the dilation), i.e. the 180-degree-rotated kernel slid over dL/dZ padded by
    the kernel's span - 1; only the rows and columns of the input itself are computed."""
    g, w = prob.geom, prob.used(prob.weights)  # type: ignore[arg-type]
    k, oh, ow = pre.shape
    _, height, width = prob.x.shape
    spread = np.zeros((k, g.stride * (oh - 1) + 1, g.stride * (ow - 1) + 1), pre.dtype)
    spread[:, :: g.stride, :: g.stride] = pre
    sh, sw = g.span
    full = np.pad(spread, ((0, 0), (sh - 1, sh - 1), (sw - 1, sw - 1)))
    view = sliding_window_view(full, (sh, sw), axis=(1, 2))[..., :: g.dilation, :: g.dilation]
    view = view[:, g.pad : g.pad + height, g.pad : g.pad + width]
    return contract("kabij,kcij->cab", view, w[..., ::-1, ::-1])


def pool_grad(prob: Problem, xp: np.ndarray, pre: np.ndarray) -> np.ndarray:
    """dL/dX of a pooling: max routes each dL/dY to its window's first maximum, average gives
    each of the kh*kw cells (padding included) dL/dY / (kh*kw)."""
    g = prob.geom
    c, oh, ow = pre.shape
    rows = np.arange(oh)[:, None] * g.stride
    cols = np.arange(ow)[None, :] * g.stride
    if prob.op == "max_pool":
        win = windows(xp, g).reshape(c, oh, ow, g.kh * g.kw)
        u, v = np.divmod(win.argmax(axis=-1), g.kw)  # argmax: the first maximum
        dxp = np.zeros(xp.shape, pre.dtype)
        np.add.at(dxp, (np.arange(c)[:, None, None], rows + u, cols + v), pre)
    else:
        dxp = np.zeros(xp.shape, np.float64)
        share = pre / (g.kh * g.kw)
        for u in range(g.kh):
            for v in range(g.kw):
                dxp[:, rows + u, cols + v] += share
    p = g.pad
    return dxp[:, p : dxp.shape[1] - p, p : dxp.shape[2] - p]


def _map_sums(pre: np.ndarray) -> np.ndarray:
    """dL/db: the sum of each dL/dZ map, in int64 only where it cannot overflow."""
    if integral(pre) and peak(pre) * pre.shape[1] * pre.shape[2] >= 2.0**62:
        pre = pre.astype(np.float64)
    sums: np.ndarray = pre.sum(axis=(1, 2))
    return sums


def gradients(prob: Problem, xp: np.ndarray, z: np.ndarray, dy: np.ndarray) -> Gradients:
    pre = np.where(z > 0, dy, 0) if prob.activation == "relu" else dy
    if prob.pooling:
        return Gradients(dy, pre, pool_grad(prob, xp, pre), None, None)
    used = contract("khw,chwuv->kcuv", pre, windows(xp, prob.geom))  # input (*) dL/dZ
    kernels = used[..., ::-1, ::-1] if prob.op == "convolution" else used
    return Gradients(dy, pre, input_grad(prob, pre), np.ascontiguousarray(kernels),
                     _map_sums(pre))


def _step(value: np.ndarray, grad: np.ndarray, lr: float) -> np.ndarray:
    """value - lr * grad, in integers when all three are and it cannot overflow."""
    exact = isinstance(lr, int) and integral(value, grad) and peak(value) + lr * peak(grad) < 2**62
    dtype = np.int64 if exact else np.float64
    result: np.ndarray = value.astype(dtype) - lr * grad.astype(dtype)
    return result


def sgd(spec: Backward, prob: Problem, xp: np.ndarray, grads: Gradients,
        target: np.ndarray | None, loss_before: float) -> dict[str, Any]:
    lr = spec.lr
    assert lr is not None
    if prob.weights is None or grads.kernels is None or grads.bias is None:
        raise InvalidInput(f"backward.lr {lr}: {prob.op} has no weights to update; remove lr "
                           "or pick a convolution", ["backward", "lr"],
                           code="lr_without_weights", params={"lr": lr, "op": prob.op})
    weights, bias = _step(prob.weights, grads.kernels, lr), _step(prob.bias, grads.bias, lr)
    _, y = forward(prob, windows(xp, prob.geom), weights, bias)
    after = _loss(spec, y, target)
    return {"lr": lr, "kernels": weights.tolist(), "bias": bias.tolist(), "output": y.tolist(),
            "loss_before": loss_before, "loss_after": after,
            "text": f"w <- w - {lr} * dL/dw, b <- b - {lr} * dL/db; the loss goes from "
                    f"{loss_before:.6g} to {after:.6g}"}


def run_backward(spec: Backward, prob: Problem, xp: np.ndarray, z: np.ndarray,
                 y: np.ndarray) -> dict[str, Any]:
    """The answer's gradient fields (docs/api.md, "Backward")."""
    target = None if spec.target is None else _given(spec, "target", y.shape)
    dy = _given(spec, "output_grad", y.shape) if target is None else y - target
    grads = gradients(prob, xp, z, dy)
    loss = _loss(spec, y, target)
    result: dict[str, Any] = {
        "grad_output": dy.tolist(), "grad_input": grads.input.tolist(),
        "loss": {"definition": translatable("L = 1/2 sum((Y - target)^2)") if target is not None
                 else translatable("L = sum(output_grad * Y) (linear: dL/dY = output_grad)"),
                 "value": loss},
        "identities": identities(prob)}
    if prob.activation == "relu":
        result["grad_pre_activation"] = grads.pre.tolist()
    if grads.kernels is not None and grads.bias is not None:
        result |= {"grad_kernels": grads.kernels.tolist(), "grad_bias": grads.bias.tolist()}
    if spec.explain is not None:
        result["grad_explain"] = explain_gradient(spec.explain, prob, xp, grads)
    if spec.lr is not None:
        result["sgd"] = sgd(spec, prob, xp, grads, target, loss)
    return result
