"""Loaded models, shared by all requests, and opportunistic batching.

A model is loaded (and its checksums verified) once, then kept while its files are
unchanged (size and modification time); loaded models are bounded by count and by bytes
(the preloaded ones, CNNPG_PRELOAD_MODELS, are pinned); loading runs one warm-up pass.
Forward passes run in threads, off the event loop;
while one runs, the requests that arrive for the same model wait together and go through
the next pass as one batch. A lone request never waits for company, so batching costs
single requests nothing and raises throughput when many arrive at once. A pass holds at
most `max_pass_bytes` of activations (the network's estimate per sample times the
images): a bigger batch is split into passes that fit, its results put back in order.
With `batch_delay` seconds (CNNPG_BATCH_DELAY_MS), a pass about to start waits up to that
long for requests still being decoded to join it; never when none are.

`Predictor.on_batch(model_id, images, requests)` is called for every forward pass, with
how many requests it joined (a no-op unless set); the `observer` (the metrics) is told
of every pass's images and seconds.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import torch

from server.datasets.registry import Preprocessing
from server.errors import Conflict
from server.inference.batcher import Batcher, PassObserver
from server.inference.preprocess import from_manifest
from server.nn.analysis import BYTES_PER_VALUE, analyze
from server.nn.build import Network
from server.nn.spec import NetworkSpec
from server.store.disk import ID_PATTERN, ModelStore
from server.store.manifest import Manifest

BatchObserver = Callable[[str, int, int], None]


def ignore_batch(model_id: str, images: int, requests: int) -> None:
    """The default batch observer: nothing is recorded."""


@dataclass
class Loaded:
    id: str
    spec: NetworkSpec
    model: Network
    manifest: Manifest
    preprocessing: Preprocessing
    stamp: tuple[int, ...]
    classes: list[str] = field(default_factory=list)
    warm: bool = False  # its warm-up forward pass ran
    warm_error: str = ""  # why the warm-up failed (the model cannot run on its input)
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))  # its weights'

    def __post_init__(self) -> None:
        if not self.classes:
            self.classes = list(self.manifest.classes)

    @property
    def sample_bytes(self) -> int:
        """Activation bytes one image needs in a forward pass (the input included)."""
        size = self.spec.input
        held = analyze(self.spec).totals()["activation_bytes_per_sample"]
        return int(held + size.channels * size.height * size.width * BYTES_PER_VALUE)

    @property
    def weight_bytes(self) -> int:
        tensors = [*self.model.parameters(), *self.model.buffers()]
        return sum(t.numel() * t.element_size() for t in tensors)

    def label(self, index: int) -> str:
        return self.classes[index] if index < len(self.classes) else str(index)

    @property
    def detector(self) -> bool:
        """It ends in a detection_head: it answers with boxes (POST .../detect)."""
        return self.spec.layers[-1].type == "detection_head"

    def probabilities(self, x: torch.Tensor) -> torch.Tensor:
        """(N, C, H, W) -> (N, classes) probabilities (softmax of the logits)."""
        if self.detector:
            raise Conflict(f"model {self.id!r} is a detector: it answers where objects are, "
                           "with boxes, not one class per picture; use POST "
                           f"/api/models/{self.id}/detect", ["model_id"],
                           code="model_is_detector", params={"model": self.id})
        with torch.inference_mode():
            out = torch.softmax(self.model.logits(self.on_device(x)).float(), dim=1)
        return out if self.device.type == "cpu" else out.cpu()

    def on_device(self, x: torch.Tensor) -> torch.Tensor:
        """An input on the model's device (a copy when that is not the CPU)."""
        return x if x.device == self.device else x.to(self.device)


STAMPED = ("spec.json", "weights.safetensors", "manifest.json")


def _stamp(folder: str) -> tuple[int, ...]:
    """Size and modification time of a model's files. Checked on every prediction: plain
    os.stat of joined strings (pathlib's objects cost a request about as much as the
    three system calls)."""
    stats = [os.stat(os.path.join(folder, name)) for name in STAMPED]
    return (stats[0].st_size, stats[0].st_mtime_ns, stats[1].st_size, stats[1].st_mtime_ns,
            stats[2].st_size, stats[2].st_mtime_ns)


def default_threads() -> int:
    """Every core this process may use: torch's own choice. A pass of 64 digits took 9.0 ms
    with 2 threads against 14.8 ms with 1 on the 2-core bench machine (docs/performance.md,
    "The warm pool during the measurement, and threads per pass"); how a pass uses them
    depends on its size (`batcher.pass_plan`)."""
    return max(1, len(os.sched_getaffinity(0)))


class Predictor:
    """Keeps up to `capacity` models and `max_loaded_bytes` of weights in memory (least
    recently used goes first; the newest always stays)."""

    def __init__(self, store: ModelStore, capacity: int = 8, max_batch: int = 64,
                 max_pass_bytes: int = 512 * 1024 * 1024,
                 max_loaded_bytes: int = 1024 * 1024 * 1024,
                 observer: PassObserver | None = None, batch_delay: float = 0.0,
                 threads: int = 0, device: torch.device | None = None):
        # The most threads a pass uses (training runs in worker processes with their own).
        # torch's setting is per thread once a thread has used it: each pass sets its own.
        self.threads = threads or default_threads()
        torch.set_num_threads(self.threads)
        self.device = device or torch.device("cpu")  # CNNPG_PREDICT_DEVICE (device.py)
        # The other slices of a split pass on the CPU (batcher.pass_plan); a GPU pass is one
        self.parts = (ThreadPoolExecutor(self.threads - 1, thread_name_prefix="predict-part")
                      if self.threads > 1 and self.device.type == "cpu" else None)
        self.store = store
        self.observer = observer
        self.batch_delay = batch_delay
        self.on_batch: BatchObserver = ignore_batch
        self.pinned: set[str] = set()  # never evicted (the preloaded models)
        self.warmups = 0
        self.capacity = capacity
        self.max_batch = max_batch
        self.max_pass_bytes = max_pass_bytes
        self.max_loaded_bytes = max_loaded_bytes
        self._models: OrderedDict[str, Loaded] = OrderedDict()
        self._lock = threading.Lock()
        self._batchers: dict[str, Batcher] = {}

    def cached(self, model_id: str) -> Loaded | None:
        """The loaded model if it is in memory and its files are unchanged, else None."""
        with self._lock:
            cached = self._models.get(model_id)
        if cached is not None:
            try:
                stamp = _stamp(os.path.join(self.store.root, model_id))
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
                stamp = _stamp(os.path.join(self.store.root, model_id))
        spec, model, manifest = self.store.load(model_id)  # verifies ids and checksums
        for parameter in model.parameters():
            parameter.requires_grad_(False)  # explanations ask for input gradients only
        loaded = Loaded(model_id, spec, model.to(self.device), manifest,
                        from_manifest(manifest.preprocessing or {}, manifest.dataset), stamp,
                        device=self.device)
        self._warm(loaded)
        with self._lock:
            self._models[model_id] = loaded
            self._models.move_to_end(model_id)
            self._evict()
        return loaded

    def _warm(self, loaded: Loaded) -> None:
        """One forward pass on a blank image: lazy set-up happens now, not in the first
        request. A model that cannot run is still served (409s name why); readiness says."""
        size = loaded.spec.input
        try:
            with torch.inference_mode():
                loaded.model(torch.zeros(1, size.channels, size.height, size.width,
                                         device=loaded.device))
        except RuntimeError as exc:
            loaded.warm_error = str(exc)[:300]
            return
        loaded.warm = True
        with self._lock:
            self.warmups += 1
        if self.observer is not None:
            self.observer.warmed(loaded.id, loaded.manifest)

    def loaded_count(self) -> int:
        with self._lock:
            return len(self._models)

    def loaded_bytes(self) -> int:
        with self._lock:
            return sum(m.weight_bytes for m in self._models.values())

    def _evict(self) -> None:
        """Under the lock: the least recently used out until both bounds hold (never a
        pinned model, nor the newest)."""
        held = sum(m.weight_bytes for m in self._models.values())
        while len(self._models) > 1 and (len(self._models) > self.capacity
                                         or held > self.max_loaded_bytes):
            oldest = next((k for k in list(self._models)[:-1] if k not in self.pinned), None)
            if oldest is None:
                return
            held -= self._models.pop(oldest).weight_bytes

    def forget(self, model_id: str) -> None:
        with self._lock:
            self._models.pop(model_id, None)
            self._batchers.pop(model_id, None)

    def batcher(self, loaded: Loaded) -> Batcher:
        with self._lock:
            batcher = self._batchers.get(loaded.id)
            if batcher is None or batcher.loaded is not loaded:
                batcher = self._batchers[loaded.id] = Batcher(
                    loaded, self.pass_size(loaded), self.batch_delay,
                    lambda images, requests: self.on_batch(loaded.id, images, requests),
                    self.observer, self.threads, self.parts)
            return batcher

    def pass_size(self, loaded: Loaded) -> int:
        """Images per forward pass: within max_batch and max_pass_bytes; one image always
        runs (its activations are within the network limits it was accepted under)."""
        return max(1, min(self.max_batch, self.max_pass_bytes // loaded.sample_bytes))
