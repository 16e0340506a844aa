"""Shape inference over a whole network: rows, totals, and every problem found at once."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from server.errors import InvalidInput, ManyErrors, PlaygroundError, human_bytes
from server.nn.record import BYTES_PER_VALUE, Inferred
from server.nn.registry import REGISTRY
from server.nn.shapes import LayerError, Shape, show
from server.nn.spec import NetworkSpec

__all__ = ["BYTES_PER_VALUE", "Analysis", "NetworkLimits", "analyze", "describe_shape"]


@dataclass(frozen=True)
class NetworkLimits:
    max_params: int = 50_000_000
    max_activation_bytes: int = 512 * 1024 * 1024  # per sample
    # Multiply-accumulates per sample: the largest preset needs 1.7e8; 1e10 is a few seconds
    # of one CPU core per sample, a whole epoch of a big dataset in minutes on a GPU.
    max_macs: int = 10_000_000_000


@dataclass
class Analysis:
    input_shape: Shape
    rows: list[dict[str, Any]] = field(default_factory=list)
    errors: list[PlaygroundError] = field(default_factory=list)
    shapes: list[Shape] = field(default_factory=list)  # input shape of each layer

    def totals(self) -> dict[str, int]:
        known = [r for r in self.rows if r["output_shape"] is not None]
        return {
            "total_params": sum(r["params"] for r in known),
            "trainable_params": sum(r["trainable_params"] for r in known),
            "macs_per_sample": sum(r["macs"] for r in known),
            "activation_bytes_per_sample": sum(r["activation_bytes"] for r in known),
        }

    def summary(self) -> dict[str, Any]:
        return {"input_shape": list(self.input_shape), "layers": self.rows, **self.totals(),
                "output_shape": self.rows[-1]["output_shape"] if self.rows else None}

    def raise_errors(self) -> None:
        if self.errors:
            raise self.errors[0] if len(self.errors) == 1 else ManyErrors(self.errors)


def analyze(spec: NetworkSpec, limits: NetworkLimits | None = None) -> Analysis:
    limits = limits or NetworkLimits()
    input_shape = (spec.input.channels, spec.input.height, spec.input.width)
    analysis = Analysis(input_shape=input_shape)
    shape: Shape | None = input_shape
    last = len(spec.layers) - 1
    for i, layer in enumerate(spec.layers):
        kind = layer.type
        record = REGISTRY[kind]
        row: dict[str, Any] = {"index": i, "type": kind, "label": record.label,
                               "category": record.category, "output_shape": None, "params": 0,
                               "trainable_params": 0, "macs": 0, "activation_bytes": 0,
                               "formula": None, "formula_type": None, "formula_ctx": None,
                               "inner": []}
        softmax_here = kind == "softmax" or getattr(layer, "activation", None) == "softmax"
        if softmax_here and i != last:
            field_name = "type" if kind == "softmax" else "activation"
            analysis.errors.append(InvalidInput(
                f"layer {i} ({kind}): softmax must be the last layer (it turns the final scores "
                "into probabilities); remove it here or move it to the end",
                ["layers", i, field_name], code="softmax_not_last",
                params={"index": i, "layer": kind}))
        if kind == "detection_head" and i != last:
            analysis.errors.append(InvalidInput(
                f"layer {i} (detection_head): the detection head must be the last layer (its "
                "output is the grid of boxes); remove the layers after it",
                ["layers", i, "type"], code="detection_head_not_last", params={"index": i}))
        if shape is not None:
            analysis.shapes.append(shape)
            try:
                inferred = record.infer(layer, shape)
            except LayerError as exc:
                analysis.errors.append(InvalidInput(
                    f"layer {i} ({kind}): {exc.msg}", ["layers", i, exc.field], code=exc.code,
                    params={"index": i, **exc.params} if exc.code else None))
                shape = None
            else:
                shape = inferred.shape
                row.update(output_shape=list(shape), params=inferred.params,
                           trainable_params=inferred.trainable, macs=inferred.macs,
                           activation_bytes=math.prod(shape) * BYTES_PER_VALUE
                           + inferred.inner_bytes,
                           inner=inferred.inner, **_formula(inferred))
        analysis.rows.append(row)
    _check_limits(analysis, limits)
    return analysis


def _formula(inferred: Inferred) -> dict[str, Any]:
    """The row's formula text (English where it has words) beside its type and ctx."""
    f = inferred.formula
    return {"formula": f.text if f else None, "formula_type": f.type if f else None,
            "formula_ctx": f.ctx if f else None}


def _check_limits(analysis: Analysis, limits: NetworkLimits) -> None:
    totals = analysis.totals()
    if totals["total_params"] > limits.max_params:
        analysis.errors.append(InvalidInput(
            f"the network has {totals['total_params']:,} parameters; the limit is "
            f"{limits.max_params:,} (setting CNNPG_MAX_PARAMS): use fewer filters or units, or "
            "pool before the dense layers", ["layers"], code="too_many_params",
            params={"params": totals["total_params"], "limit": limits.max_params}))
    if totals["activation_bytes_per_sample"] > limits.max_activation_bytes:
        size = human_bytes(totals["activation_bytes_per_sample"])
        analysis.errors.append(InvalidInput(
            f"the activations take {size} per sample; the limit is "
            f"{human_bytes(limits.max_activation_bytes)} (setting CNNPG_MAX_ACTIVATION_BYTES): "
            "downsample earlier or use fewer filters", ["layers"], code="activations_too_large",
            params={"size": size, "limit": human_bytes(limits.max_activation_bytes)}))
    if totals["macs_per_sample"] > limits.max_macs:
        analysis.errors.append(_too_many_macs(analysis.rows, totals["macs_per_sample"],
                                              limits.max_macs))


def _too_many_macs(rows: list[dict[str, Any]], macs: int, limit: int) -> InvalidInput:
    """Names the count, the limit, the setting and the heaviest layer (where to cut)."""
    worst = max(rows, key=lambda r: r["macs"])
    return InvalidInput(
        f"the network needs {macs:,} multiply-accumulates (MACs) per sample; the limit is "
        f"{limit:,} (setting CNNPG_MAX_MACS). Layer {worst['index']} ({worst['type']}) alone "
        f"needs {worst['macs']:,}: use a smaller input, fewer filters or smaller kernels, or "
        "downsample (stride, pooling) earlier", ["layers"], code="too_many_macs",
        params={"macs": macs, "limit": limit, "index": worst["index"], "layer": worst["type"],
                "layer_macs": worst["macs"]})


def describe_shape(shape: Shape) -> str:
    return show(shape)
