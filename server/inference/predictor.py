"""Loaded models, shared by all requests, and opportunistic batching.

A model is loaded (and its checksums verified) once, then kept while its files are
unchanged (size and modification time). Forward passes run in threads, off the event loop;
while one runs, the requests that arrive for the same model wait together and go through
the next pass as one batch. A lone request never waits for company, so batching costs
single requests nothing and raises throughput when many arrive at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import torch

from server.datasets.registry import Preprocessing
from server.inference.preprocess import from_manifest
from server.nn.build import Network
from server.nn.spec import NetworkSpec
from server.store.disk import ID_PATTERN, ModelStore
from server.store.manifest import Manifest

T = TypeVar("T")


@dataclass
class Loaded:
    id: str
    spec: NetworkSpec
    model: Network
    manifest: Manifest
    preprocessing: Preprocessing
    stamp: tuple[int, ...]
    classes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.classes:
            self.classes = list(self.manifest.classes)

    def label(self, index: int) -> str:
        return self.classes[index] if index < len(self.classes) else str(index)

    def probabilities(self, x: torch.Tensor) -> torch.Tensor:
        """(N, C, H, W) -> (N, classes) probabilities (softmax of the logits)."""
        with torch.inference_mode():
            return torch.softmax(self.model.logits(x).float(), dim=1)


def _stamp(folder: Path) -> tuple[int, ...]:
    stats = [(folder / name).stat()
             for name in ("spec.json", "weights.safetensors", "manifest.json")]
    return tuple(v for s in stats for v in (s.st_size, s.st_mtime_ns))


class Predictor:
    """Keeps up to `capacity` models in memory (least recently used goes first)."""

    def __init__(self, store: ModelStore, capacity: int = 8, max_batch: int = 64):
        self.store = store
        self.capacity = capacity
        self.max_batch = max_batch
        self._models: OrderedDict[str, Loaded] = OrderedDict()
        self._lock = threading.Lock()
        self._batchers: dict[str, Batcher] = {}

    def cached(self, model_id: str) -> Loaded | None:
        """The loaded model if it is in memory and its files are unchanged, else None."""
        with self._lock:
            cached = self._models.get(model_id)
        if cached is not None:
            try:
                stamp = _stamp(self.store.root / model_id)
            except OSError:
                stamp = ()
            if cached.stamp == stamp:
                with self._lock:
                    if model_id in self._models:
                        self._models.move_to_end(model_id)
                return cached
        return None

    def get(self, model_id: str) -> Loaded:
        """The loaded model; raises NotFound / DamagedModel like the store does. The files'
        checksums are verified when a model is loaded; after that a model is served while
        its files keep their size and modification time (hashing 5 MB of weights on every
        request would cost more than the prediction)."""
        cached = self.cached(model_id)
        if cached is not None:
            return cached
        # Stamped before loading: a file changed during the load is seen next time.
        stamp: tuple[int, ...] = ()
        if ID_PATTERN.match(model_id):
            with contextlib.suppress(OSError):
                stamp = _stamp(self.store.root / model_id)
        spec, model, manifest = self.store.load(model_id)  # verifies ids and checksums
        for parameter in model.parameters():
            parameter.requires_grad_(False)  # explanations ask for input gradients only
        loaded = Loaded(model_id, spec, model, manifest,
                        from_manifest(manifest.preprocessing or {}, manifest.dataset), stamp)
        with self._lock:
            self._models[model_id] = loaded
            self._models.move_to_end(model_id)
            while len(self._models) > self.capacity:
                self._models.popitem(last=False)
        return loaded

    def forget(self, model_id: str) -> None:
        with self._lock:
            self._models.pop(model_id, None)
            self._batchers.pop(model_id, None)

    def batcher(self, loaded: Loaded) -> Batcher:
        with self._lock:
            batcher = self._batchers.get(loaded.id)
            if batcher is None or batcher.loaded is not loaded:
                batcher = self._batchers[loaded.id] = Batcher(loaded, self.max_batch)
            return batcher


class Batcher:
    """Runs the forward passes of one model: one at a time, each taking every request
    that is waiting (up to max_batch)."""

    def __init__(self, loaded: Loaded, max_batch: int):
        self.loaded = loaded
        self.max_batch = max_batch
        self._waiting: list[tuple[torch.Tensor, asyncio.Future[torch.Tensor]]] = []
        self._running = False
        self._task: asyncio.Task[None] | None = None  # kept: the loop holds tasks weakly

    async def __call__(self, x: torch.Tensor) -> torch.Tensor:
        """x: (n, C, H, W) -> (n, classes) probabilities."""
        future: asyncio.Future[torch.Tensor] = asyncio.get_running_loop().create_future()
        self._waiting.append((x, future))
        if not self._running:
            self._running = True
            self._task = asyncio.create_task(self._drain())
        return await future

    async def prepare_and_run(self, prepare: Callable[[], T],
                              tensor: Callable[[T], torch.Tensor]) -> tuple[T, torch.Tensor]:
        """prepare() (decoding, preprocessing) then the forward pass. When no pass is running
        both happen in one worker thread (one hand-off, not two); otherwise the prepared
        input joins the next batch."""
        if self._running:
            prepared = await asyncio.to_thread(prepare)
            return prepared, await self(tensor(prepared))
        self._running = True
        try:
            def both() -> tuple[T, torch.Tensor]:
                prepared = prepare()
                return prepared, self.loaded.probabilities(tensor(prepared))
            return await asyncio.to_thread(both)
        finally:
            if self._waiting:  # requests that arrived meanwhile: drain them now
                self._task = asyncio.create_task(self._drain())
            else:
                self._running = False

    async def _drain(self) -> None:
        try:
            while self._waiting:
                batch: list[tuple[torch.Tensor, asyncio.Future[torch.Tensor]]] = []
                total = 0
                while self._waiting and (not batch or total + len(self._waiting[0][0])
                                         <= self.max_batch):
                    item = self._waiting.pop(0)
                    batch.append(item)
                    total += len(item[0])
                await self._run(batch)
        finally:
            self._running = False

    async def _run(self, batch: list[tuple[torch.Tensor, asyncio.Future[torch.Tensor]]]) -> None:
        inputs = [x for x, _ in batch]
        try:
            x = inputs[0] if len(inputs) == 1 else torch.cat(inputs)
            probabilities = await asyncio.to_thread(self.loaded.probabilities, x)
        except Exception as exc:  # handed to every waiting request, which reports it
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        start = 0
        for x_i, future in batch:
            if not future.done():
                future.set_result(probabilities[start:start + len(x_i)])
            start += len(x_i)


def top_k(loaded: Loaded, probabilities: torch.Tensor, k: int) -> list[dict[str, Any]]:
    """One image's probabilities -> the k most likely classes, most likely first."""
    values, indices = probabilities.topk(min(k, probabilities.numel()))
    return [{"label": loaded.label(int(i)), "index": int(i), "probability": float(v)}
            for v, i in zip(values.tolist(), indices.tolist(), strict=True)]
