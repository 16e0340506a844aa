"""The sum behind one gradient entry, term by term (as the forward walk-through lists its
products), and the identities the gradients follow, written with the request's numbers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from server.errors import InvalidInput
from server.kernels.matrix_forward import Problem, fmt, number
from server.kernels.matrix_spec import GradientAt

if TYPE_CHECKING:
    from server.kernels.matrix_backward import Gradients


def _index(at: GradientAt, prob: Problem, grads: Gradients) -> tuple[int, ...]:
    """The entry's index into its gradient, refused when outside it."""
    if prob.pooling and at.of != "input":
        raise InvalidInput(f"backward.explain of {at.of!r}: {prob.op} has no kernels or bias; "
                           "explain of 'input'", ["backward", "explain"],
                           code="pooling_gradient_of", params={"of": at.of, "op": prob.op})
    arr, index, names = {
        "input": (grads.input, (at.channel, at.row, at.col), ("channel", "row", "col")),
        "kernel": (grads.kernels, (at.kernel, at.channel, at.row, at.col),
                   ("kernel", "channel", "row", "col")),
        "bias": (grads.bias, (at.kernel,), ("kernel",)),
    }[at.of]
    assert arr is not None
    if any(i >= n for i, n in zip(index, arr.shape, strict=True)):
        shape = "x".join(map(str, arr.shape))
        bounds = ", ".join(f"{name} < {n}" for name, n in zip(names, arr.shape, strict=True))
        raise InvalidInput(f"backward.explain {at.of} {list(index)} is outside the {shape} "
                           f"gradient; use {bounds}", ["backward", "explain"],
                           code="gradient_entry_outside",
                           params={"of": at.of, "index": str(list(index)), "shape": shape,
                                   "bounds": bounds})
    return index


def _axis(var: str, stride: int, offset: int) -> str:
    """s*y + offset as a reader writes it: "y", "2y + 1", "y - 1"."""
    text = f"{stride}{var}" if stride > 1 else var
    return text + (f" + {offset}" if offset > 0 else f" - {-offset}" if offset < 0 else "")


def _kernel_terms(prob: Problem, xp: np.ndarray, pre: np.ndarray,
                  index: tuple[int, ...]) -> tuple[list[dict[str, Any]], str]:
    """dL/dW[k][c][i][j] = sum over outputs (y, x) of input under that weight * dL/dZ."""
    k, c, i, j = index
    g = prob.geom
    u, v = (g.kh - 1 - i, g.kw - 1 - j) if prob.op == "convolution" else (i, j)
    terms = []
    for y in range(g.out_h):
        for x in range(g.out_w):
            a, b = y * g.stride + u * g.dilation, x * g.stride + v * g.dilation
            inside = g.pad <= a < xp.shape[1] - g.pad and g.pad <= b < xp.shape[2] - g.pad
            value, grad = number(xp[c, a, b]), number(pre[k, y, x])
            terms.append({"out_channel": k, "out_row": y, "out_col": x, "grad": grad,
                          "channel": c, "row": a - g.pad, "col": b - g.pad,
                          "padding": not inside, "input": value, "product": value * grad})
    where = f"X[{c}][{_axis('y', g.stride, u * g.dilation - g.pad)}]" \
            f"[{_axis('x', g.stride, v * g.dilation - g.pad)}]"
    flip = (f" (convolution flips the kernel: w[{i}][{j}] sits at ({u}, {v}) of the window)"
            if prob.op == "convolution" else "")
    rule = f"dL/dW[{k}][{c}][{i}][{j}] = sum over outputs (y, x) of {where} * dL/dZ[{k}][y][x]"
    return terms, rule + flip


def _kernel_params(prob: Problem, index: tuple[int, ...]) -> dict[str, Any]:
    """The input cell a kernel weight reads (as in _kernel_terms' rule) and, for a
    convolution, where the flipped weight sits in the window."""
    _, c, i, j = index
    g = prob.geom
    u, v = (g.kh - 1 - i, g.kw - 1 - j) if prob.op == "convolution" else (i, j)
    where = f"X[{c}][{_axis('y', g.stride, u * g.dilation - g.pad)}]" \
            f"[{_axis('x', g.stride, v * g.dilation - g.pad)}]"
    return {"where": where, "flip": [u, v] if prob.op == "convolution" else None}


def _reaching(prob: Problem, a: int, b: int) -> list[tuple[int, int, int, int]]:
    """(y, x, u, v): every output window whose tap (u, v) reads padded input cell (a, b)."""
    g = prob.geom
    found = []
    for u in range(g.kh):
        for v in range(g.kw):
            ry, rx = a - u * g.dilation, b - v * g.dilation
            if ry % g.stride or rx % g.stride:
                continue
            y, x = ry // g.stride, rx // g.stride
            if 0 <= y < g.out_h and 0 <= x < g.out_w:
                found.append((y, x, u, v))
    return found


def _input_terms(prob: Problem, xp: np.ndarray, pre: np.ndarray,
                 index: tuple[int, ...]) -> tuple[list[dict[str, Any]], str]:
    """dL/dX[c][r][q] = sum over the outputs that read it of dL/dZ * dZ/dX (the weight; 1 or
    0 for max pooling, 1/(kh*kw) for average pooling)."""
    c, r, q = index
    g = prob.geom
    reach = _reaching(prob, r + g.pad, q + g.pad)
    terms = []
    if prob.pooling:
        for y, x, u, v in reach:
            win = xp[c, y * g.stride : y * g.stride + g.kh, x * g.stride : x * g.stride + g.kw]
            weight: float = 1.0 / (g.kh * g.kw)
            if prob.op == "max_pool":
                weight = int(int(np.argmax(win)) == u * g.kw + v)
            grad = number(pre[c, y, x])
            terms.append({"out_channel": c, "out_row": y, "out_col": x, "grad": grad,
                          "weight": weight, "weight_row": None, "weight_col": None,
                          "product": grad * weight})
        return terms, _pool_rule(prob, index)
    used = prob.used(prob.weights)  # type: ignore[arg-type]
    for k in range(pre.shape[0]):
        for y, x, u, v in reach:
            i, j = (g.kh - 1 - u, g.kw - 1 - v) if prob.op == "convolution" else (u, v)
            grad, weight = number(pre[k, y, x]), number(used[k, c, u, v])
            terms.append({"out_channel": k, "out_row": y, "out_col": x, "grad": grad,
                          "weight": weight, "weight_row": i, "weight_col": j,
                          "product": grad * weight})
    return terms, (f"dL/dX[{c}][{r}][{q}] = sum over every output (k, y, x) whose window "
                   f"covers it of dL/dZ[k][y][x] * the kernel weight on it, W[k][{c}][i][j]")


def _pool_rule(prob: Problem, index: tuple[int, ...]) -> str:
    c, r, q = index
    if prob.op == "max_pool":
        return (f"dL/dX[{c}][{r}][{q}] = sum of dL/dY over the windows whose maximum it is "
                "(the first maximum in row-major order when tied)")
    n = prob.geom.kh * prob.geom.kw
    return f"dL/dX[{c}][{r}][{q}] = sum over the windows that cover it of dL/dY / {n}"


def explain_gradient(at: GradientAt, prob: Problem, xp: np.ndarray,
                     grads: Gradients) -> dict[str, Any]:
    index = _index(at, prob, grads)
    # the rule's numbers, for pages that write it in their own language
    params: dict[str, Any] = {"kind": at.of, "relu": prob.activation == "relu"}
    if at.of == "bias":
        k = index[0]
        terms = [{"out_channel": k, "out_row": y, "out_col": x, "grad": number(grads.pre[k, y, x]),
                  "product": number(grads.pre[k, y, x])}
                 for y in range(prob.geom.out_h) for x in range(prob.geom.out_w)]
        rule = f"dL/db[{k}] = sum over outputs (y, x) of dL/dZ[{k}][y][x]"
        pieces = [fmt(t["grad"]) for t in terms]
    elif at.of == "kernel":
        terms, rule = _kernel_terms(prob, xp, grads.pre, index)
        params |= _kernel_params(prob, index)
        pieces = [f"{fmt(t['input'])}*{fmt(t['grad'])}" for t in terms]
    else:
        terms, rule = _input_terms(prob, xp, grads.pre, index)
        n = prob.geom.kh * prob.geom.kw
        params |= {"kind": prob.op if prob.pooling else "input", "n": n}
        pieces = [f"{fmt(t['grad'])}*" + (f"1/{n}" if prob.op == "avg_pool" else fmt(t["weight"]))
                  for t in terms]
    arr = {"input": grads.input, "kernel": grads.kernels, "bias": grads.bias}[at.of]
    assert arr is not None
    value = number(arr[index])
    text = (" + ".join(pieces) or "no output reads it") + f" = {fmt(value)}"
    if prob.activation == "relu":
        rule += "; with relu, dL/dZ = dL/dY where Z > 0, else 0"
    return {"of": at.of, "index": list(index), "terms": terms, "value": value, "rule": rule,
            "text": text, "rule_params": params}


def _spread(prob: Problem) -> tuple[str, str]:
    """How the stride spreads dL/dZ out, and how the dilation spreads the kernel."""
    s, d = prob.geom.stride, prob.geom.dilation
    by_stride = f", spread out by the stride: {s - 1} zero(s) between entries" if s > 1 else ""
    by_dilation = f", spread out by the dilation: {d - 1} zero(s) between taps" if d > 1 else ""
    return by_stride, by_dilation


def identities(prob: Problem) -> list[dict[str, Any]]:
    """The rules the gradients follow, with this request's sizes; each with its `kind` and
    the numbers its text quotes (`params`), for pages that write it in their own language."""
    g = prob.geom
    _, height, width = prob.x.shape
    out = f"{g.out_h}x{g.out_w}"
    relu = [{"of": "grad_pre_activation", "kind": "relu", "params": {},
             "text": "dL/dZ = dL/dY where the pre-activation "
             "Z > 0, else 0 (relu's derivative; 0 at Z = 0, as torch)"}] \
        if prob.activation == "relu" else []
    if prob.op == "max_pool":
        return [*relu, {"of": "grad_input", "kind": "max_pool", "params": {}, "text": (
            "dL/dX: each dL/dY goes to the arg-max of its window (the first maximum in "
            "row-major order when tied, as torch); every other cell gets 0; where windows "
            "overlap the shares add up")}]
    if prob.op == "avg_pool":
        n = g.kh * g.kw
        return [*relu, {"of": "grad_input", "kind": "avg_pool",
                        "params": {"n": n, "kh": g.kh, "kw": g.kw}, "text": (
            f"dL/dX: each dL/dY is spread evenly, dL/dY / {n} to each of the {n} cells of its "
            f"{g.kh}x{g.kw} window; padded zeros count (torch's count_include_pad=True), and "
            "the shares that land on padding are dropped; where windows overlap they add up")}]
    by_stride, by_dilation = _spread(prob)
    hp, wp = height + 2 * g.pad, width + 2 * g.pad
    flip = prob.op == "convolution"
    kernel_text = (
        "dL/dW[k][c] = the cross-correlation of the input X[c] ("
        + (f"padded by {g.pad}: " if g.pad else "") + f"{hp}x{wp}) with "
        f"dL/dZ[k] ({out}{by_stride})"
        + (f", read every {g.dilation} positions (the dilation)" if g.dilation > 1 else "")
        + (": the kernel as slid; convolution flipped it, so its gradient is flipped back"
           if flip else ""))
    input_text = (
        f"dL/dX[c] = sum over k of the full convolution of dL/dZ[k] ({out}{by_stride}) with "
        f"the kernel as slid, W[k][c]{' flipped' if flip else ''} ({g.kh}x{g.kw}{by_dilation}),"
        f" i.e. the full cross-correlation with it rotated 180 degrees"
        + (", which is the kernel as typed" if flip else "")
        + f": a {hp}x{wp} grid" + (f", less the padding border of {g.pad}" if g.pad else ""))
    params = {"pad": g.pad, "padded": [hp, wp], "out": [g.out_h, g.out_w], "stride": g.stride,
              "dilation": g.dilation, "kernel": [g.kh, g.kw], "flip": flip}
    return [*relu, {"of": "grad_kernels", "kind": "kernels", "params": params, "text": kernel_text},
            {"of": "grad_bias", "kind": "bias", "params": {},
             "text": "dL/db[k] = the sum of dL/dZ[k] over every output"},
            {"of": "grad_input", "kind": "input", "params": params, "text": input_text}]
