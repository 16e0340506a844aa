"""Readiness: the models named in CNNPG_PRELOAD_MODELS loaded, warm and pinned in memory.

`Preloader` loads them in a background thread when the server starts (the server answers
meanwhile: live, not ready) and looks again every few seconds, so a model whose files
changed, or one imported after start-up, is loaded again. `readiness()` is the one
answer both GET /api/ready and the inference protocol's ready route give.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from server.errors import PlaygroundError
from server.inference.predictor import Predictor

log = logging.getLogger("cnn_playground")


@dataclass
class Readiness:
    models: list[dict[str, Any]]  # {"model_id", "state", "message"} per preloaded model

    @property
    def ready(self) -> bool:
        return all(m["state"] == "ready" for m in self.models)

    def missing_at(self) -> list[tuple[int, str]]:
        """(index in CNNPG_PRELOAD_MODELS, what is wrong) for each model not ready."""
        return [(i, f"model {m['model_id']!r} (CNNPG_PRELOAD_MODELS): {m['message']}")
                for i, m in enumerate(self.models) if m["state"] != "ready"]

    def as_json(self) -> dict[str, Any]:
        return {"ready": self.ready, "models": self.models,
                "missing": [msg for _, msg in self.missing_at()]}


def readiness(predictor: Predictor, wanted: Sequence[str],
              failures: Mapping[str, str]) -> Readiness:
    """Whether every wanted model is loaded (files unchanged) and its warm-up ran.
    failures: the last load error per model id (the preloader's)."""
    models = []
    for model_id in wanted:
        loaded = predictor.cached(model_id)
        if loaded is not None and loaded.warm:
            state, message = "ready", ""
        elif loaded is not None:
            state, message = "failed", f"its warm-up forward pass failed: {loaded.warm_error}"
        elif model_id in failures:
            state, message = "failed", f"it could not be loaded: {failures[model_id]}"
        else:
            state, message = "loading", "it is not loaded yet (loading now)"
        models.append({"model_id": model_id, "state": state, "message": message})
    return Readiness(models)


class Preloader:
    def __init__(self, predictor: Predictor, wanted: Sequence[str], interval: float = 5.0):
        self.predictor = predictor
        self.wanted = list(dict.fromkeys(wanted))
        self.interval = interval
        self.failures: dict[str, str] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        predictor.pinned.update(self.wanted)

    def readiness(self) -> Readiness:
        return readiness(self.predictor, self.wanted, dict(self.failures))

    def start(self) -> None:
        if self.wanted and self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="preload", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def load_missing(self) -> None:
        """Load (and so warm up) each wanted model not in memory now."""
        for model_id in self.wanted:
            if self._stop.is_set() or self.predictor.cached(model_id) is not None:
                continue
            try:
                self.predictor.get(model_id)
            except Exception as exc:  # reported by readiness; the thread goes on
                message = exc.msg if isinstance(exc, PlaygroundError) else str(exc)[:300]
                if self.failures.get(model_id) != message:
                    log.warning("preloading model %r failed: %s", model_id, message)
                self.failures[model_id] = message
            else:
                self.failures.pop(model_id, None)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.load_missing()
            self._stop.wait(self.interval)
