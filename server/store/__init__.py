"""The model store: trained models on disk (`disk`), their typed manifest (`manifest`),
zip import/export (`archive`), ONNX export (`onnx`), and names, versions and aliases (`names`;
`resolve` turns a name or id, a version or an alias into a model id)."""

from __future__ import annotations

from server.store.disk import ModelStore
from server.store.naming import resolve

__all__ = ["ModelStore", "resolve"]
