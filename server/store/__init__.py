"""The model store: trained models on disk (`disk`), their typed manifest (`manifest`),
zip import/export (`archive`) and ONNX export (`onnx`)."""

from __future__ import annotations

from server.store.disk import ModelStore

__all__ = ["ModelStore"]
