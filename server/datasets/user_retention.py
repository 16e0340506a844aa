"""What a sweep (CNNPG_DATA_RETENTION_DAYS) and DELETE /api/sessions/me do to the sessions'
datasets: UserDatasets' housekeeping (server/datasets/user_store.py)."""

from __future__ import annotations

import contextlib
from abc import ABC, abstractmethod
from pathlib import Path

from server.datasets.user_files import DatasetRecord
from server.errors import NotFound


class Retention(ABC):
    """The housekeeping part of UserDatasets, on the three lookups it provides."""

    root: Path

    @abstractmethod
    def get(self, dataset_id: str) -> DatasetRecord:
        """UserDatasets' own."""

    @abstractmethod
    def delete(self, dataset_id: str) -> None:
        """UserDatasets' own."""

    @abstractmethod
    def owned_by(self, owner: str) -> list[DatasetRecord]:
        """UserDatasets' own."""

    def last_used(self, record: DatasetRecord) -> float:
        """When it last changed or was read for a run (its folders' and record's mtimes)."""
        folder = self.root / record.id
        paths = [folder, folder / "dataset.json", *(folder / c.id for c in record.classes)]
        return max((p.stat().st_mtime for p in paths if p.exists()), default=0.0)

    def all(self) -> list[DatasetRecord]:
        return [r for r in (self._maybe(f.name) for f in sorted(self.root.glob("ds-*")))
                if r is not None] if self.root.is_dir() else []

    def _maybe(self, dataset_id: str) -> DatasetRecord | None:
        try:
            return self.get(dataset_id)
        except (NotFound, OSError, ValueError, TypeError):
            return None

    def expire(self, cutoff: float) -> int:
        """Delete the datasets not used since `cutoff` (CNNPG_DATA_RETENTION_DAYS)."""
        old = [r for r in self.all() if self.last_used(r) < cutoff]
        for record in old:
            with contextlib.suppress(NotFound, OSError):
                self.delete(record.id)
        return len(old)

    def delete_owner(self, owner: str) -> int:
        """Delete every dataset of a session (DELETE /api/sessions/me); how many went."""
        mine = self.owned_by(owner)
        for record in mine:
            with contextlib.suppress(NotFound, OSError):
                self.delete(record.id)
        return len(mine)
