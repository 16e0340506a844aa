"""A stored model as a row of a listing (GET /api/models, `cnn-playground models list`)."""

from __future__ import annotations

from typing import Any

from server.store.disk import Entry
from server.store.manifest import Manifest


def listing(entry: Entry, viewer: str | None = None,
            named: tuple[int, list[str]] | None = None) -> dict[str, Any]:
    """One row: enough to choose a model and to see what it needs. `yours` is whether the
    viewer's session owns it; `named`: its version and aliases (store.naming.name_index)."""
    manifest = entry.manifest or Manifest()
    version, aliases = named or (manifest.version, [])
    return {"id": entry.id, "name": manifest.name if manifest.name is not None else entry.id,
            "version": version, "aliases": aliases,
            "description": manifest.description if manifest.description is not None else "",
            "dataset": manifest.dataset, "classes": manifest.classes,
            "input_shape": manifest.input_shape, "test_accuracy": manifest.test_accuracy,
            "created": manifest.created, "size_bytes": manifest.size_bytes,
            "shipped": bool(manifest.shipped), "network": manifest.network,
            "damaged": entry.damaged,
            "task": (manifest.model_extra or {}).get("task") or "classification",
            "visibility": "public" if manifest.is_public else "private",
            "yours": bool(manifest.owner) and manifest.owner == viewer}


def public_manifest(manifest: Manifest) -> dict[str, Any]:
    """A manifest as others see it: which session owns a model is nobody else's business."""
    return manifest.to_dict(without=("owner",))
