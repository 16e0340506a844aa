"""Committed network presets (models/presets/*.json), validated when loaded."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from server.errors import NotFound
from server.nn.spec import NetworkSpec


@dataclass(frozen=True)
class Preset:
    id: str
    name: str
    description: str
    dataset: str | None
    spec: NetworkSpec

    def describe(self) -> dict[str, Any]:
        last = self.spec.layers[-1]
        detector = last.type == "detection_head"
        return {"id": self.id, "name": self.name, "description": self.description,
                "dataset": self.dataset, "input": self.spec.input.model_dump(),
                "classes": getattr(last, "classes" if detector else "units", None),
                "task": "detection" if detector else "classification",
                "layers": len(self.spec.layers)}


class Presets:
    def __init__(self, folder: Path):
        self._items: dict[str, Preset] = {}
        for path in sorted(folder.glob("*.json")):
            data = json.loads(path.read_text())
            spec = NetworkSpec.model_validate(data["spec"])
            self._items[data["id"]] = Preset(data["id"], data["name"], data["description"],
                                             data.get("dataset"), spec)

    def ids(self) -> list[str]:
        return list(self._items)

    def get(self, preset_id: str) -> Preset:
        if preset_id not in self._items:
            raise NotFound(f"no preset {preset_id!r}; presets: {', '.join(self._items)}",
                           ["preset"])
        return self._items[preset_id]

    def all(self) -> list[Preset]:
        return list(self._items.values())
