"""The shape of one registry record: everything the app knows about a layer type."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from server.nn.shapes import Formula, Shape

BYTES_PER_VALUE = 4  # float32

CATEGORIES = ("convolution", "pooling", "activation", "normalization", "regularization",
              "reshape", "dense", "block", "detection")


@dataclass(frozen=True)
class Inferred:
    """What shape inference knows about one layer, without allocating a tensor."""

    shape: Shape
    params: int = 0
    trainable: int = 0
    macs: int = 0
    formula: Formula | None = None  # its text, and its type and ctx where it has words
    inner: list[dict[str, Any]] = field(default_factory=list)
    # Bytes of the tensors a block holds inside besides its output (its branches' outputs).
    inner_bytes: int = 0


@dataclass(frozen=True)
class LayerType:
    """One layer type. `source` returns a PyTorch expression (using nn, SamePad,
    ResidualBlock, InceptionBlock) that builds the layer for a given input shape: the same
    text feeds build_model and the exported source, so the two cannot disagree."""

    name: str
    spec: type[BaseModel]
    label: str
    category: str
    docs: str
    infer: Callable[[Any, Shape], Inferred]
    source: Callable[[Any, Shape], str]

    def catalog(self) -> dict[str, Any]:
        schema = self.spec.model_json_schema()
        schema.get("properties", {}).pop("type", None)
        return {"type": self.name, "label": self.label, "category": self.category,
                "docs": self.docs, "schema": schema}
