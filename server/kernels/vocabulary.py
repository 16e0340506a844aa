"""The Kernel Lab's vocabulary: every choice its page offers and every limit it enforces.

Read from the definitions the engine validates with (the spec's Literal types and field
bounds, the kernel catalogue, the parameter rules), so a value is written once, in Python;
GET /api/kernels/vocabulary serves it and the page builds its controls from it. Only the
words shown next to each value live here.
"""

from __future__ import annotations

from typing import Any, get_args

from annotated_types import Ge, Le
from pydantic import BaseModel

from server.kernels.library import CATEGORIES, KERNELS
from server.kernels.matrix_spec import MatrixRequest
from server.kernels.resolve import PARAM_RULES
from server.kernels.spec import (
    MAX_KERNEL,
    MAX_STEPS,
    ChannelMode,
    FilterStep,
    OutputMode,
    PaddingMode,
    Pipeline,
)
from server.text.marks import translatable

# The words for each value. Every value of the matching Literal needs one (a test checks
# that the keys are exactly the Literal's values).
MODE_LABELS = {"cross_correlation": translatable("Cross-correlation"),
               "convolution": translatable("Convolution")}
PADDING_LABELS = {"zero": translatable("Zero"), "reflect": translatable("Reflect"),
                  "replicate": translatable("Replicate"), "circular": translatable("Circular"),
                  "none": translatable("None (valid: smaller output)")}
PADDING_AMOUNT_LABELS = {"same": translatable("Same size")}
PIXELS_LABEL = translatable("Pixels")  # the numeric choice of padding_amount
CHANNEL_LABELS = {"separate": translatable("Each colour channel separately"),
                  "grayscale": translatable("Grayscale first"),
                  "sum": translatable("Summed over channels (as a CNN filter)")}
OUTPUT_LABELS = {"clip": translatable("Clip to 0..255"), "abs": translatable("Absolute value"),
                 "normalize": translatable("Normalize min..max to 0..255"),
                 "offset": translatable("+128 offset (zero is grey)")}
NUMERIC_OPERATION_LABELS = {
    "cross_correlation": translatable("Cross-correlation (as CNN layers)"),
    "convolution": translatable("Convolution (kernel flipped)"),
    "max_pool": translatable("Max pooling"), "avg_pool": translatable("Average pooling")}
# label, and the step of the number input (sizes are odd: 1, 3, 5, ...)
PARAM_LABELS: dict[str, tuple[str, float]] = {
    "size": (translatable("Size (odd)"), 2), "sigma": ("Sigma", 0.1),
    "sigma_color": (translatable("Sigma colour"), 1),
    "sigma_space": (translatable("Sigma space"), 1),
}


def literal_values(annotation: Any) -> tuple[str, ...]:
    """The strings of a Literal, also inside a union (Literal["same"] | int -> ("same",))."""
    values: list[str] = []
    for arg in get_args(annotation):
        if isinstance(arg, str):
            values.append(arg)
        else:
            values.extend(literal_values(arg))
    return tuple(values)


def _annotation(model: type[BaseModel], name: str) -> Any:
    return model.model_fields[name].annotation


def field_bounds(model: type[BaseModel], name: str) -> dict[str, int]:
    """{"min": ge, "max": le} of an integer field, also when the bounds sit inside a union."""
    field = model.model_fields[name]
    metadata = list(field.metadata)
    for arg in get_args(field.annotation):  # Literal["same"] | Annotated[int, Field(...)]
        metadata.extend(getattr(arg, "metadata", []))
        for extra in getattr(arg, "__metadata__", ()):
            metadata.extend(getattr(extra, "metadata", [extra]))
    bounds: dict[str, int] = {}
    for item in metadata:
        if isinstance(item, Ge):
            bounds["min"] = int(item.ge)  # type: ignore[call-overload]
        elif isinstance(item, Le):
            bounds["max"] = int(item.le)  # type: ignore[call-overload]
    return bounds


def _choices(values: tuple[str, ...], labels: dict[str, str]) -> list[dict[str, str]]:
    """The values with their words, in the labels' order (the order the page lists them)."""
    if set(values) != set(labels):
        raise ValueError(f"the labels {sorted(labels)} do not match the values {sorted(values)}")
    return [{"value": v, "label": label} for v, label in labels.items()]


def _params(name: str) -> dict[str, dict[str, Any]]:
    defaults = KERNELS[name].params
    return {key: {"label": PARAM_LABELS[key][0], "step": PARAM_LABELS[key][1], "min": lo,
                  "max": hi, "default": defaults[key]}
            for key, (lo, hi) in PARAM_RULES.get(name, {}).items()}


def _default(model: type[BaseModel], name: str) -> Any:
    return model.model_fields[name].default


def vocabulary() -> dict[str, Any]:
    """Everything the Kernel Lab offers, as GET /api/kernels/vocabulary answers it."""
    amount = literal_values(_annotation(FilterStep, "padding_amount"))
    return {
        "kernels": [{"name": k.name, "label": k.label, "category": k.category, "kind": k.kind,
                     "params": _params(k.name)} for k in KERNELS.values()],
        "categories": [{"id": c, "label": label} for c, label in CATEGORIES.items()],
        "modes": _choices(literal_values(_annotation(FilterStep, "mode")), MODE_LABELS),
        "padding_modes": _choices(get_args(PaddingMode), PADDING_LABELS),
        "padding_amounts": [*_choices(amount, PADDING_AMOUNT_LABELS),
                            {"value": "number", "label": PIXELS_LABEL,
                             **field_bounds(FilterStep, "padding_amount")}],
        "channel_modes": _choices(get_args(ChannelMode), CHANNEL_LABELS),
        "output_mappings": _choices(get_args(OutputMode), OUTPUT_LABELS),
        "numeric_operations": _choices(literal_values(_annotation(MatrixRequest, "op")),
                                       NUMERIC_OPERATION_LABELS),
        "limits": {"max_steps": MAX_STEPS, "max_kernel": MAX_KERNEL,
                   "stride": field_bounds(FilterStep, "stride"),
                   "dilation": field_bounds(FilterStep, "dilation"),
                   "pool_size": field_bounds(MatrixRequest, "size")},
        "defaults": {name: _default(FilterStep, name)
                     for name in ("mode", "padding", "padding_amount", "stride", "dilation")}
        | {name: _default(Pipeline, name) for name in ("channels", "output")},
    }
