"""Numeric mode: convolution and pooling on small grids, exact for integers, with the sum
behind any one output spelled out term by term (the classic slide walk-through), and the
gradients back through it when `backward` is given (server/kernels/matrix_backward.py)."""

from __future__ import annotations

from typing import Any

import numpy as np

from server.errors import InvalidInput
from server.kernels.matrix_backward import run_backward
from server.kernels.matrix_forward import Problem, fmt, forward, load, padded, windows
from server.kernels.matrix_spec import ExplainAt, MatrixRequest


def run_matrix(req: MatrixRequest) -> dict[str, Any]:
    prob = load(req)
    xp = padded(prob)
    win = windows(xp, prob.geom)
    z, out = forward(prob, win)
    result: dict[str, Any] = {
        "output": out.tolist(), "output_shape": list(out.shape), "formula": prob.formula,
        "padding": prob.geom.pad, "stride": prob.geom.stride, "dilation": prob.geom.dilation,
        # the formula's numbers, for pages that write it in their own language
        "input_size": list(prob.x.shape[1:]), "window": [prob.geom.kh, prob.geom.kw]}
    if req.explain is not None:
        result["explain"] = _explain(req.explain, prob, xp, z, out)
    if req.backward is not None:
        result.update(run_backward(req.backward, prob, xp, z, out))
    return result


def _term(prob: Problem, xp: np.ndarray, c: int, a: int, b: int) -> dict[str, Any]:
    """The input cell at padded (a, b) of channel c, in the input's own coordinates."""
    p = prob.geom.pad
    value = float(xp[c, a, b])
    inside = p <= a < xp.shape[1] - p and p <= b < xp.shape[2] - p
    return {"channel": c, "row": a - p, "col": b - p, "padding": not inside,
            "input": None if np.isinf(value) else value}


def _explain(at: ExplainAt, prob: Problem, xp: np.ndarray, z: np.ndarray,
             out: np.ndarray) -> dict[str, Any]:
    k_out, h_out, w_out = out.shape
    if at.channel >= k_out or at.row >= h_out or at.col >= w_out:
        raise InvalidInput(
            f"explain ({at.channel}, {at.row}, {at.col}) is outside the {k_out}x{h_out}x{w_out} "
            f"output; use channel < {k_out}, row < {h_out}, col < {w_out}", ["explain"],
            code="explain_outside",
            params={"at": f"({at.channel}, {at.row}, {at.col})",
                    "shape": f"{k_out}x{h_out}x{w_out}", "maps": k_out, "rows": h_out,
                    "cols": w_out})
    g = prob.geom
    w = None if prob.weights is None else prob.used(prob.weights)
    terms: list[dict[str, Any]] = []
    channel_sums: list[float] = []
    pieces: list[str] = []
    for c in [at.channel] if w is None else range(xp.shape[0]):
        total = 0.0
        for u in range(g.kh):
            for v in range(g.kw):
                term = _term(prob, xp, c, at.row * g.stride + u * g.dilation,
                             at.col * g.stride + v * g.dilation)
                if w is not None:
                    weight = float(w[at.channel, c, u, v])
                    term.update(weight=weight, product=term["input"] * weight)
                    total += term["product"]
                    pieces.append(f"{fmt(term['input'])}*{fmt(weight)}")
                else:
                    pieces.append("pad" if term["input"] is None else fmt(term["input"]))
                terms.append(term)
        channel_sums.append(total)
    value = float(out[at.channel, at.row, at.col])
    if w is None:
        name = "max" if prob.op == "max_pool" else "mean"
        return {"terms": terms, "value": value, "text": f"{name}({', '.join(pieces)}) = "
                                                        f"{fmt(value)}"}
    bias = float(prob.bias[at.channel])
    pre = float(z[at.channel, at.row, at.col])
    text = " + ".join(pieces) + (f" + bias {fmt(bias)}" if bias else "") + f" = {fmt(pre)}"
    if prob.activation == "relu":
        text += f"; relu -> {fmt(value)}"
    return {"terms": terms, "channel_sums": channel_sums, "sum": sum(channel_sums),
            "bias": bias, "pre_activation": pre, "value": value, "text": text,
            "activation": prob.activation}
