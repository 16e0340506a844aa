"""Output-shape rules with the formula a student would write, and errors that say the fix.

Shapes are tuples: (C, H, W) for images, (N,) for vectors. No tensor is ever allocated.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

Shape = tuple[int, ...]


class LayerError(Exception):
    """A problem with one layer: the field it concerns and a message with the numbers."""

    def __init__(self, field: str, msg: str, code: str | None = None,
                 params: dict[str, Any] | None = None):
        super().__init__(msg)
        self.field = field
        self.msg = msg
        self.code = code  # the detail's type, with params as its ctx (server/errors.py)
        self.params = params or {}


@dataclass(frozen=True)
class Formula:
    """A shape formula: `text` as the API has always sent it (English where it has words,
    for programs), and, where it has words, a `type` and the values it quotes (`ctx`) from
    which a page writes the same sentence in its own language. Pure maths has type None."""

    text: str
    type: str | None = None
    ctx: dict[str, Any] | None = None


@dataclass(frozen=True)
class Axis:
    """One spatial axis of a windowed layer."""

    n: int  # input size
    f: int  # (effective) window size
    s: int  # stride


def show(shape: Shape) -> str:
    return "[" + ", ".join(map(str, shape)) + "]"


def need_image(shape: Shape, what: str) -> tuple[int, int, int]:
    if len(shape) != 3:
        raise LayerError("type", f"{what} needs a [C, H, W] image input but gets {show(shape)} "
                         "(a flat vector): move it before the flatten/dense layers",
                         "layer_needs_image", {"layer": what, "shape": show(shape)})
    return shape[0], shape[1], shape[2]


def need_vector(shape: Shape, what: str) -> int:
    if len(shape) != 1:
        raise LayerError("type", f"{what} needs a flat vector but gets {show(shape)}: add a "
                         "flatten layer (or global_avg_pool2d) before it",
                         "layer_needs_vector", {"layer": what, "shape": show(shape)})
    return shape[0]


def same_padding(axis: Axis) -> tuple[int, int, int]:
    """'same' padding as Keras/TF: out = ceil(n / s); the extra pixel goes after."""
    out = math.ceil(axis.n / axis.s)
    total = max((out - 1) * axis.s + axis.f - axis.n, 0)
    return out, total // 2, total - total // 2


def conv_axis(axis: Axis, padding: int | str, kernel_desc: str, dims: str,
              about: dict[str, Any] | None = None) -> tuple[int, Formula]:
    """Output size and formula of a convolution along one axis; strict: must be whole.
    kernel_desc: "5x5", or "3x3 (dilation 2: covers 5x5)"; about: the kernel for the error's
    params ({"kernel": "3x3", "dilation": 2, "covers": "5x5"}; default the desc)."""
    kernel = about or {"kernel": kernel_desc, "dilation": 1, "covers": kernel_desc}
    n, f, s = axis.n, axis.f, axis.s
    if padding == "same":
        out, before, after = same_padding(axis)
        if before == after:
            return out, Formula(f"({n} - {f} + 2*{before})/{s} + 1 = {out}")
        return out, Formula(f"same: ceil({n}/{s}) = {out} (pads {before} before, {after} after)",
                            "same_padding", {"size": n, "stride": s, "output": out,
                                             "before": before, "after": after})
    p = 0 if padding == "valid" else int(padding)
    formula = f"({n} - {f} + 2*{p})/{s} + 1"
    if f > n + 2 * p:
        raise LayerError("kernel_size", f"kernel {kernel_desc} is larger than the {dims} input"
                         f"{f' padded by {p}' if p else ''}: {formula} < 1; reduce kernel_size "
                         "or add padding", "kernel_larger_than_input",
                         {**kernel, "input": dims, "padding": p, "formula": formula})
    exact = (n - f + 2 * p) / s + 1
    if not exact.is_integer():
        fits = [str(t) for t in range(1, s + 3) if (n - f + 2 * p) % t == 0][:3]
        raise LayerError("stride", f"{formula} = {exact:.2f} is not a whole number: a "
                         f"{kernel_desc} kernel with stride {s} does not fit a {dims} input; use "
                         f"stride {' or '.join(fits)}, change padding, or use padding 'same'",
                         "stride_does_not_fit",
                         {**kernel, "formula": formula, "value": round(exact, 2), "stride": s,
                          "input": dims, "fits": fits})
    return int(exact), Formula(f"{formula} = {int(exact)}")


def pool_axis(axis: Axis, p: int, what: str, dims: str) -> tuple[int, Formula]:
    """Pooling floors, as every framework does; a window that covers nothing is an error."""
    n, f, s = axis.n, axis.f, axis.s
    if 2 * p > f:
        raise LayerError("padding", f"padding {p} is more than half the {f}-wide window; use "
                         f"padding at most {f // 2}", "pool_padding_too_large",
                         {"padding": p, "window": f, "max": f // 2})
    formula = f"floor(({n} - {f} + 2*{p})/{s}) + 1"
    out = (n - f + 2 * p) // s + 1
    if out < 1:
        raise LayerError("pool_size", f"{what} pools a {dims} input to zero size ({formula} = "
                         f"{out}); remove this layer or use a smaller pool_size",
                         "pool_to_zero", {"pool": what, "input": dims,
                                          "formula": f"{formula} = {out}"})
    return out, Formula(f"{formula} = {out}")


def two_axes(formulas: tuple[Formula, Formula], equal: bool) -> Formula:
    """One axis's formula when both axes agree; else both, each with its own type and ctx."""
    height, width = formulas
    if equal:
        return height
    return Formula(f"height: {height.text}; width: {width.text}", "height_width",
                   {"height": height.text, "width": width.text,
                    "height_type": height.type, "height_ctx": height.ctx,
                    "width_type": width.type, "width_ctx": width.ctx})
