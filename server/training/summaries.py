"""What is kept of a run once it is pruned: its settings, its curves and its final metrics.

A finished run holds its step and epoch events (confusion matrices, per-class scores), the
latest activation and filter frames, and its websocket topic. After the retention period
(CNNPG_RUN_RETENTION_HOURS) all of that is freed and a summary takes its place: enough to
compare runs later, a few kB each. Summaries are bounded (per session and in all, oldest
out) and kept in <models_dir>/.runs/<run id>.json, each written atomically, so they survive
a restart.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from server.training.runs import Run

CURVE_POINTS = 200  # points kept of each curve (first and last always among them)
STEP_KEYS = ("step", "epoch", "loss", "accuracy", "learning_rate", "steps_per_epoch")
EPOCH_KEYS = ("epoch", "val_loss", "val_accuracy", "map50")  # map50: a detection run
RUN_ID = re.compile(r"^run-[0-9a-f]{12}$")


def downsample(points: list[dict[str, Any]], limit: int = CURVE_POINTS) -> list[dict[str, Any]]:
    """At most `limit` evenly spaced points, the first and the last among them."""
    if len(points) <= limit:
        return points
    last = len(points) - 1
    picks = sorted({round(i * last / (limit - 1)) for i in range(limit)})
    return [points[i] for i in picks]


def curves(steps: Iterable[dict[str, Any]],
           epochs: Iterable[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """A run's step and epoch events, trimmed to the kept keys and downsampled."""
    return {"steps": downsample([{k: e.get(k) for k in STEP_KEYS} for e in steps]),
            "epochs": downsample([{k: e.get(k) for k in EPOCH_KEYS} for e in epochs])}


def summarize(run: Run, snapshot: dict[str, Any] | None = None) -> dict[str, Any]:
    """The run as GET /api/runs/{id} shows it, plus its spec, curves and final metrics.
    snapshot: the run's snapshot (Executor.snapshot, taken under the executor's lock), for a
    run still going: read from it rather than from the run, which its events keep changing."""
    public, steps, epochs = ((run.public(), run.steps, run.epochs) if snapshot is None else
                             (dict(snapshot["run"]), snapshot["steps"], snapshot["epochs"]))
    public.pop("yours")
    public.pop("queue")
    return {**public, "pruned": True, "owner": run.owner,
            "spec": run.spec.model_dump(mode="json"), "curves": curves(steps, epochs),
            "final": {**public["metrics"], **run.result}}


def shown(summary: dict[str, Any], viewer: str | None) -> dict[str, Any]:
    """A summary as a viewer sees it: `yours` instead of the owning session."""
    view = {k: v for k, v in summary.items() if k != "owner"}
    return {**view, "yours": viewer is not None and viewer == summary.get("owner")}


class RunSummaries:
    """Summaries of pruned runs: at most `per_owner` per session and `total` in all (the
    oldest go first), mirrored in `folder` (None: in memory only)."""

    def __init__(self, folder: Path | None, per_owner: int, total: int):
        self.folder, self.per_owner, self.total = folder, per_owner, total
        self.lock = threading.Lock()
        self.items: OrderedDict[str, dict[str, Any]] = OrderedDict()  # oldest first
        self._load()

    def _load(self) -> None:
        if self.folder is None or not self.folder.is_dir():
            return
        found = []
        for path in self.folder.glob("run-*.json"):
            with contextlib.suppress(OSError, ValueError):
                summary = json.loads(path.read_text())
                if isinstance(summary, dict) and RUN_ID.match(str(summary.get("id"))):
                    found.append(summary)
        for summary in sorted(found, key=lambda s: float(s.get("ended") or 0)):
            self.items[summary["id"]] = summary
        self._bound()

    def add(self, summary: dict[str, Any]) -> None:
        with self.lock:
            self.items[summary["id"]] = summary
            self._write(summary)
            self._bound()

    def get(self, run_id: str) -> dict[str, Any] | None:
        with self.lock:
            return self.items.get(run_id)

    def owned_by(self, owner: str) -> list[dict[str, Any]]:
        with self.lock:
            return [s for s in self.items.values() if s.get("owner") == owner]

    def remove_owner(self, owner: str) -> int:
        with self.lock:
            gone = [k for k, s in self.items.items() if s.get("owner") == owner]
            self._drop(gone)
        return len(gone)

    def expire(self, before: float) -> int:
        """Forget summaries of runs that ended before `before` (data retention)."""
        with self.lock:
            gone = [k for k, s in self.items.items() if float(s.get("ended") or 0) < before]
            self._drop(gone)
        return len(gone)

    def _bound(self) -> None:
        """Under the lock: the oldest out, past the per-session limit, then the total."""
        counts: dict[str, int] = {}
        for summary in self.items.values():
            owner = str(summary.get("owner"))
            counts[owner] = counts.get(owner, 0) + 1
        gone = []
        for key, summary in self.items.items():
            owner = str(summary.get("owner"))
            if counts[owner] > self.per_owner:
                counts[owner] -= 1
                gone.append(key)
        self._drop(gone)
        self._drop(list(self.items)[:max(0, len(self.items) - self.total)])

    def _drop(self, keys: list[str]) -> None:
        for key in keys:
            self.items.pop(key, None)
            if self.folder is not None:
                (self.folder / f"{key}.json").unlink(missing_ok=True)

    def _write(self, summary: dict[str, Any]) -> None:
        """Temp file, fsync, rename: a crash leaves the old file or the new one."""
        if self.folder is None:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        temp = self.folder / f".{summary['id']}-{secrets.token_hex(4)}.tmp"
        try:
            with temp.open("w") as stream:
                json.dump(summary, stream)
                stream.flush()
                os.fsync(stream.fileno())
            os.replace(temp, self.folder / f"{summary['id']}.json")
        except OSError:
            temp.unlink(missing_ok=True)  # kept in memory; the disk copy is a convenience
