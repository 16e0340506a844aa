"""manifest.json of a stored model, typed.

Manifests were written by every version of the app (the shipped model's, training runs,
imports, forks, checkpoints), so every field is optional, and keys this class does not name
are kept as they are (`extra="allow"`): reading a manifest and writing it back changes
nothing. `to_json()` writes exactly the keys that were read or set, never the defaults.

What the archive import accepts from a foreign manifest (types, ranges, the classes against
the network) is checked by `store.archive_checks` on the raw JSON, before a Manifest is
made of it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

# Written by the store or the server itself; an imported manifest never sets them.
SERVER_FIELDS = ("id", "sha256", "size_bytes", "shipped", "imported_from", "owner",
                 "visibility", "forked_from", "version")


class Manifest(BaseModel):
    model_config = ConfigDict(extra="allow")

    # set by the store when it saves
    id: str | None = None
    created: str | None = None
    size_bytes: int | None = None
    sha256: dict[str, str] | None = None
    # what the model is
    name: str | None = None
    version: int | None = None  # 1, 2, ... per (owner, name): see store.names
    description: str | None = None
    classes: list[str] = []
    input_shape: list[int] | None = None
    preprocessing: dict[str, Any] | None = None  # read by inference.preprocess.from_manifest
    dataset: str | None = None
    network: str | None = None  # the network's name (its spec is spec.json)
    # how it was trained
    training: dict[str, Any] | None = None
    seed: int | None = None
    metrics: dict[str, Any] | None = None
    history: list[Any] | None = None
    notes: list[Any] | None = None
    parent_run: str | None = None
    initial_model: str | None = None
    # where it came from and who may see it
    shipped: bool | None = None
    owner: str | None = None
    visibility: str | None = None  # "public" or "private"; only an owned model has one
    forked_from: str | None = None
    imported_from: str | None = None

    def to_dict(self, without: tuple[str, ...] = ()) -> dict[str, Any]:
        """The JSON object as read or written: only keys that were present or set. Values
        stay the Python objects json.loads gave (a NaN loss in a history is written back
        as it was read, as json.dumps always wrote it)."""
        data = self.model_dump(exclude_unset=True)
        return {k: v for k, v in data.items() if k not in without}

    def to_json(self, without: tuple[str, ...] = ()) -> bytes:
        return json.dumps(self.to_dict(without), indent=1).encode()

    @property
    def is_public(self) -> bool:
        """Models without an owner (shipped, trained with the CLI, copied in by the operator)
        are public; a session's models are private until published."""
        return not self.owner or self.visibility == "public"

    @property
    def test_accuracy(self) -> float | None:
        value = (self.metrics or {}).get("test_accuracy")
        return None if value is None else float(value)

    @property
    def epochs(self) -> int | None:
        value = (self.metrics or {}).get("epochs")
        return None if value is None else int(value)


def read_manifest(folder: Path) -> Manifest | None:
    """A model folder's manifest.json; None when it is missing or not a manifest."""
    try:
        return as_manifest(json.loads((folder / "manifest.json").read_text()))
    except (OSError, ValueError):
        return None


def as_manifest(document: Any) -> Manifest | None:
    """None for JSON that is not a manifest object (a list, a field of the wrong type)."""
    try:
        return Manifest.model_validate(document)
    except ValidationError:
        return None
