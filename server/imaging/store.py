"""Decoded images kept in memory for live editing, with byte budgets (least recently used out).

Live edits send only an image id and a kernel, so the photo is decoded once. The float32
copy each filter needs and display-size previews are kept in one shared cache with its own
byte cap (CNNPG_PREVIEW_CACHE_BYTES): every distinct preview size is another copy, so
they are bounded together, not per image.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from server.errors import NotFound, OverLimit, human_bytes
from server.imaging import DecodedImage, IntakeLimits, decode_image
from server.imaging.cache import ByteCache
from server.kernels.pipeline import FilterResult, prepare_input, run_pipeline
from server.kernels.spec import Pipeline


@dataclass
class StoredImage:
    image_id: str
    pixels: np.ndarray  # uint8 (H, W, C)
    source_format: str
    notes: tuple[str, ...]
    owner: str = ""  # the session that uploaded it ("" for the samples)
    # Previews and float copies, keyed by (image_id, kind, max_side): the store's shared
    # cache, or (an image filtered once, never stored) one of its own.
    derived: ByteCache = field(default_factory=lambda: ByteCache(2**62))
    used: float = field(default_factory=time.time)  # last looked up (retention)

    @property
    def nbytes(self) -> int:
        return int(self.pixels.nbytes)

    def preview(self, max_side: int | None) -> np.ndarray:
        """uint8 pixels, downscaled (area-averaged) so the longer side is at most max_side."""
        height, width = self.pixels.shape[:2]
        if not max_side or max(height, width) <= max_side:
            return self.pixels
        side = max_side

        def make() -> np.ndarray:
            scale = side / max(height, width)
            size = (max(1, round(width * scale)), max(1, round(height * scale)))
            small = cv2.resize(self.pixels, size, interpolation=cv2.INTER_AREA)
            return small[..., None] if small.ndim == 2 else small

        return self.derived.get_or_make((self.image_id, "u8", max_side), make)

    def prepared(self, channels: str, max_side: int | None) -> np.ndarray:
        """float32 input for the filter pipeline (grayscale first when asked)."""
        height, width = self.pixels.shape[:2]
        if max_side and max(height, width) <= max_side:
            max_side = None  # the full image: one copy whatever size was asked
        key = (self.image_id, channels if channels == "grayscale" else "float", max_side or 0)
        return self.derived.get_or_make(
            key, lambda: prepare_input(self.preview(max_side), channels))


def filter_image(item: StoredImage, pipeline: Pipeline, max_pixels: int,
                 preview: int | None = None, keep_inputs: bool = False, *,
                 max_cost: float | None) -> FilterResult:
    """Run a filter pipeline on a cached image (its prepared input is memoized); max_cost:
    the most seconds of estimated work (CNNPG_MAX_FILTER_COST), checked before filtering."""
    source = item.prepared(pipeline.channels, preview)
    return run_pipeline(source, pipeline, max_pixels, keep_inputs=keep_inputs,
                        max_cost=max_cost)


class ImageStore:
    """Thread-safe LRU of StoredImage, bounded by bytes. Samples (a fixed folder of a few
    small photos) never expire; their previews live in the bounded shared cache."""

    def __init__(self, budget_bytes: int, limits: IntakeLimits, samples_dir: Path,
                 preview_bytes: int = 512 * 1024 * 1024, max_filter_cost: float = 0.5):
        self._budget = budget_bytes
        self._limits = limits
        self._samples_dir = samples_dir
        self._items: OrderedDict[str, StoredImage] = OrderedDict()
        self._samples: dict[str, StoredImage] = {}
        self._lock = threading.Lock()
        self.derived = ByteCache(preview_bytes)
        self.max_filter_cost = max_filter_cost

    @property
    def limits(self) -> IntakeLimits:
        return self._limits

    def held(self) -> dict[str, Any]:
        """Bytes each cache holds now, and its cap."""
        with self._lock:
            uploads = sum(i.nbytes for i in self._items.values())
            samples = sum(i.nbytes for i in self._samples.values())
        return {"uploads": uploads, "uploads_cap": self._budget, "samples": samples,
                "previews": self.derived.nbytes, "previews_cap": self.derived.cap_bytes}

    def sample_names(self) -> list[str]:
        return sorted(p.stem for p in self._samples_dir.glob("*.png"))

    def sample_credits(self) -> dict[str, dict[str, str]]:
        """Title, licence and source of each sample (samples.json beside the photos)."""
        path = self._samples_dir / "samples.json"
        credits: dict[str, dict[str, str]] = json.loads(path.read_text()) if path.exists() else {}
        return credits

    def sample_path(self, name: str) -> Path:
        if name not in self.sample_names():
            raise NotFound(f"no sample named {name!r}; samples: {', '.join(self.sample_names())}",
                           ["sample"])
        return self._samples_dir / f"{name}.png"

    def sample(self, name: str) -> StoredImage:
        with self._lock:
            if name in self._samples:
                return self._samples[name]
        data = self.sample_path(name).read_bytes()
        decoded = decode_image(data, self._limits, field="sample")
        item = StoredImage(f"sample:{name}", decoded.pixels, decoded.source_format, decoded.notes,
                           derived=self.derived)
        with self._lock:
            return self._samples.setdefault(name, item)

    def add(self, decoded: DecodedImage, owner: str = "", quota: int | None = None
            ) -> StoredImage:
        """quota: the most bytes of images this owner may hold (429 beyond it)."""
        item = StoredImage(secrets.token_urlsafe(12), decoded.pixels, decoded.source_format,
                           decoded.notes, owner, derived=self.derived)
        with self._lock:
            held = self.held_bytes(owner)
            if quota is not None and held + item.pixels.nbytes > quota:
                raise OverLimit(
                    f"your uploaded images hold {human_bytes(held)} and this one needs "
                    f"{human_bytes(item.pixels.nbytes)} more; the limit per session is "
                    f"{human_bytes(quota)} (CNNPG_SESSION_MAX_UPLOAD_BYTES): delete some with "
                    "DELETE /api/images/{image_id}", ["file"])
            self._items[item.image_id] = item
            self._evict()
        return item

    def held_bytes(self, owner: str) -> int:
        """Decoded bytes of this owner's uploads still in memory (call under the lock or
        accept a moment's staleness)."""
        return sum(i.pixels.nbytes for i in list(self._items.values()) if i.owner == owner)

    def delete(self, image_id: str, owner: str) -> None:
        self.get(image_id, owner)
        with self._lock:
            self._items.pop(image_id, None)
        self.derived.drop(image_id)

    def get(self, image_id: str, owner: str | None = None) -> StoredImage:
        """owner: the caller's session; another session's upload is not found (404)."""
        with self._lock:
            item = self._items.get(image_id)
            if item is None or (owner is not None and item.owner != owner):
                raise NotFound(
                    f"no uploaded image with id {image_id!r} (it may have expired from the cache); "
                    "upload it again with POST /api/images", ["image_id"])
            self._items.move_to_end(image_id)
            item.used = time.time()
            return item

    def resolve(self, image_id: str | None, sample: str | None,
                owner: str | None = None) -> StoredImage:
        if sample is not None:
            return self.sample(sample)
        assert image_id is not None
        return self.get(image_id, owner)

    def _evict(self) -> None:
        total = sum(i.nbytes for i in self._items.values())
        while total > self._budget and len(self._items) > 1:
            _, oldest = self._items.popitem(last=False)
            total -= oldest.nbytes
            self.derived.drop(oldest.image_id)

    def drop(self, owner: str | None = None, unused_since: float | None = None) -> int:
        """Forget one session's uploads (owner) and/or those not used since a time;
        returns how many went."""
        with self._lock:
            gone = [k for k, i in self._items.items()
                    if (owner is None or i.owner == owner)
                    and (unused_since is None or i.used < unused_since)]
            for key in gone:
                del self._items[key]
        for key in gone:
            self.derived.drop(key)
        return len(gone)
