"""Turn a FilterStep into concrete weights, checking every number against the image it meets."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from server.errors import InvalidInput
from server.kernels.library import KERNELS, gaussian_matrix
from server.kernels.spec import MAX_KERNEL, FilterStep, parse_scale

Op = Literal["linear", "gradient_magnitude", "median", "bilateral", "min", "max"]

PARAM_RULES: dict[str, dict[str, tuple[float, float]]] = {
    "gaussian": {"size": (1, MAX_KERNEL), "sigma": (0.05, 100.0)},
    "median": {"size": (1, MAX_KERNEL)},
    "min": {"size": (1, MAX_KERNEL)},
    "max": {"size": (1, MAX_KERNEL)},
    "bilateral": {"size": (1, MAX_KERNEL), "sigma_color": (0.1, 1000.0),
                  "sigma_space": (0.1, 1000.0)},
}


@dataclass(frozen=True)
class ResolvedStep:
    op: Op
    label: str
    # Linear ops: weights as cross-correlation, (kh, kw) or (C, kh, kw); the flip for
    # 'convolution' mode is already applied. gradient_magnitude has two.
    weights: tuple[np.ndarray, ...]
    size: int  # window size for non-linear ops
    params: dict[str, float]
    padding: str
    pad: tuple[int, int, int, int]  # top, bottom, left, right
    stride: int
    dilation: int
    custom: bool = False  # a matrix of the request's own, not one from the catalogue

    @property
    def kernel_shape(self) -> tuple[int, int]:
        if self.weights:
            shape = self.weights[0].shape
            return int(shape[-2]), int(shape[-1])
        return self.size, self.size

    @property
    def effective_shape(self) -> tuple[int, int]:
        kh, kw = self.kernel_shape
        return (kh - 1) * self.dilation + 1, (kw - 1) * self.dilation + 1

    def output_size(self, height: int, width: int) -> tuple[int, int]:
        top, bottom, left, right = self.pad
        eh, ew = self.effective_shape
        return ((height + top + bottom - eh) // self.stride + 1,
                (width + left + right - ew) // self.stride + 1)


def _params(name: str, given: dict[str, float], loc: list[str | int]) -> dict[str, float]:
    rules = PARAM_RULES.get(name, {})
    unknown = sorted(set(given) - set(rules))
    if unknown:
        allowed = ", ".join(rules) or "none"
        raise InvalidInput(f"{name} has no parameter {unknown[0]!r}; its parameters: {allowed}",
                           [*loc, "params", unknown[0]], code="unknown_kernel_param",
                           params={"kernel": name, "label": KERNELS[name].label,
                                   "param": unknown[0], "allowed": list(rules)})
    values = {**KERNELS[name].params, **given}
    for key, (lo, hi) in rules.items():
        value = values[key]
        if not lo <= value <= hi:
            raise InvalidInput(f"{name} {key} = {value:g} is out of range; use {lo:g} to {hi:g}",
                               [*loc, "params", key], code="kernel_param_range",
                               params={"kernel": name, "label": KERNELS[name].label,
                                       "param": key, "value": value, "min": lo, "max": hi})
    if "size" in rules:
        size = values["size"]
        if size != int(size) or int(size) % 2 == 0:
            raise InvalidInput(f"{name} size = {size:g} must be an odd whole number (3, 5, 7, ...)",
                               [*loc, "params", "size"], code="kernel_size_odd",
                               params={"kernel": name, "label": KERNELS[name].label,
                                       "size": size})
    return values


def _normalized(weights: np.ndarray, loc: list[str | int]) -> np.ndarray:
    total = float(weights.sum())
    if abs(total) <= 1e-9 * float(np.abs(weights).sum()):  # zero up to rounding
        raise InvalidInput(
            "normalize to sum 1 needs a kernel whose values do not sum to 0; this one sums "
            "to 0 (edge kernels do): turn normalize off", [*loc, "normalize"],
            code="normalize_sum_zero")
    return weights / total


def _custom_weights(step: FilterStep, loc: list[str | int]) -> np.ndarray:
    weights = np.asarray(step.matrix, dtype=np.float64) * parse_scale(step.scale)
    if step.normalize:
        weights = _normalized(weights, loc)
    return weights


_FLOAT32_MAX = float(np.finfo(np.float32).max)


def resolve_step(step: FilterStep, loc: list[str | int]) -> ResolvedStep:
    """Concrete weights and padding for one step (image-independent checks)."""
    with np.errstate(over="ignore", invalid="ignore"):  # checked just below
        resolved = _resolve_step(step, loc)
    for w in resolved.weights:
        biggest = float(np.abs(w).max())
        if not biggest <= _FLOAT32_MAX:  # also catches inf and NaN
            raise InvalidInput(
                f"a kernel value is {biggest:.3g} after scaling; filtering uses 32-bit floats, "
                f"which hold at most {_FLOAT32_MAX:.3g}: scale the kernel down",
                [*loc, "matrix" if step.matrix is not None else "scale"],
                code="kernel_value_too_large", params={"value": biggest, "max": _FLOAT32_MAX})
    return resolved


def _resolve_step(step: FilterStep, loc: list[str | int]) -> ResolvedStep:
    name = step.kernel
    entry = KERNELS[name] if name else None
    op: Op = "linear"
    weights: tuple[np.ndarray, ...] = ()
    size = 0
    params: dict[str, float] = {}
    if entry is None:
        weights = (_custom_weights(step, loc),)
    elif entry.kind == "nonlinear":
        op = entry.name  # type: ignore[assignment]
        params = _params(entry.name, step.params, loc)
        size = int(params["size"])
        for field, value, default in (("stride", step.stride, 1), ("dilation", step.dilation, 1)):
            if value != default:
                raise InvalidInput(
                    f"{entry.label} is not a convolution and has no {field}; set {field} to 1",
                    [*loc, field], code=f"nonlinear_{field}", params={"kernel": entry.label})
    elif entry.kind == "gradient_magnitude":
        op = "gradient_magnitude"
        assert entry.pair is not None
        weights = tuple(KERNELS[n].array() for n in entry.pair)
    elif entry.name == "gaussian":
        params = _params("gaussian", step.params, loc)
        weights = (gaussian_matrix(int(params["size"]), params["sigma"]),)
    else:
        if step.params:
            raise InvalidInput(f"{entry.label} takes no params; remove them", [*loc, "params"],
                               code="kernel_takes_no_params", params={"kernel": entry.label})
        weights = (entry.array(),)
    if entry is not None and entry.kind != "nonlinear" and (step.scale != 1.0 or step.normalize):
        weights = tuple(w * parse_scale(step.scale) for w in weights)
        if step.normalize:
            weights = tuple(_normalized(w, loc) for w in weights)
    if step.mode == "convolution":
        weights = tuple(np.ascontiguousarray(w[..., ::-1, ::-1]) for w in weights)
    label = entry.label if entry else f"custom {weights[0].shape[-2]}x{weights[0].shape[-1]}"
    resolved = ResolvedStep(op=op, label=label, weights=weights, size=size, params=params,
                            padding=step.padding, pad=(0, 0, 0, 0), stride=step.stride,
                            dilation=step.dilation, custom=entry is None)
    return _with_padding(resolved, step, loc)


def _with_padding(resolved: ResolvedStep, step: FilterStep, loc: list[str | int]) -> ResolvedStep:
    eh, ew = resolved.effective_shape
    if resolved.op in ("median", "bilateral", "min", "max"):
        pad = ((eh - 1) // 2, (eh - 1) // 2, (ew - 1) // 2, (ew - 1) // 2)
    elif step.padding == "none":
        pad = (0, 0, 0, 0)
    elif step.padding_amount == "same":
        # Like torch's padding="same": an even kernel puts the extra row/column at the end.
        pad = ((eh - 1) // 2, eh - 1 - (eh - 1) // 2, (ew - 1) // 2, ew - 1 - (ew - 1) // 2)
    else:
        amount = int(step.padding_amount)
        limit = max(eh, ew) - 1
        if amount > limit:
            raise InvalidInput(
                f"padding_amount {amount} is larger than the {eh}x{ew} kernel allows (at most "
                f"{limit}): border outputs would see only padding; use 'same' or at most {limit}",
                [*loc, "padding_amount"], code="padding_amount_too_large",
                params={"amount": amount, "kernel": f"{eh}x{ew}", "max": limit})
        pad = (amount, amount, amount, amount)
    return ResolvedStep(**{**resolved.__dict__, "pad": pad})


def check_fits(step: ResolvedStep, height: int, width: int, loc: list[str | int]) -> None:
    """The kernel must fit the (padded) input; reflect padding needs a larger image."""
    top, bottom, left, right = step.pad
    eh, ew = step.effective_shape
    if eh > height + top + bottom or ew > width + left + right:
        raise InvalidInput(
            f"the {eh}x{ew} kernel (after dilation {step.dilation}) is larger than the padded "
            f"{height + top + bottom}x{width + left + right} input; use a smaller kernel or "
            "dilation, or padding", [*loc, "matrix" if step.op == "linear" else "kernel"],
            code="filter_larger_than_input",
            params={"kernel": f"{eh}x{ew}", "dilation": step.dilation,
                    "input": f"{height + top + bottom}x{width + left + right}"})
    too_small = max(top, bottom) >= height or max(left, right) >= width
    if step.padding == "reflect" and too_small:
        raise InvalidInput(
            f"reflect padding of {max(step.pad)} needs an image larger than {height}x{width}; "
            "use zero or replicate padding", [*loc, "padding"], code="reflect_padding_too_large",
            params={"padding": max(step.pad), "size": f"{height}x{width}"})
