"""Decoded images kept in memory for live editing, with a byte budget (least recently used out).

Live edits send only an image id and a kernel, so the photo is decoded once; the float32
copy each filter needs and display-size previews are memoized per entry.
"""

from __future__ import annotations

import json
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from server.errors import NotFound, OverLimit, human_bytes
from server.imaging import DecodedImage, IntakeLimits, decode_image
from server.kernels.pipeline import FilterResult, prepare_input, run_pipeline
from server.kernels.spec import Pipeline


@dataclass
class StoredImage:
    image_id: str
    pixels: np.ndarray  # uint8 (H, W, C)
    source_format: str
    notes: tuple[str, ...]
    owner: str = ""  # the session that uploaded it ("" for the samples)
    _derived: dict[tuple[str, int], np.ndarray] = field(default_factory=dict)

    @property
    def nbytes(self) -> int:
        return int(self.pixels.nbytes + sum(a.nbytes for a in self._derived.values()))

    def preview(self, max_side: int | None) -> np.ndarray:
        """uint8 pixels, downscaled (area-averaged) so the longer side is at most max_side."""
        height, width = self.pixels.shape[:2]
        if not max_side or max(height, width) <= max_side:
            return self.pixels
        key = ("u8", max_side)
        if key not in self._derived:
            scale = max_side / max(height, width)
            size = (max(1, round(width * scale)), max(1, round(height * scale)))
            small = cv2.resize(self.pixels, size, interpolation=cv2.INTER_AREA)
            self._derived[key] = small[..., None] if small.ndim == 2 else small
        return self._derived[key]

    def prepared(self, channels: str, max_side: int | None) -> np.ndarray:
        """float32 input for the filter pipeline (grayscale first when asked)."""
        key = (channels if channels == "grayscale" else "float", max_side or 0)
        if key not in self._derived:
            self._derived[key] = prepare_input(self.preview(max_side), channels)
        return self._derived[key]


def filter_image(item: StoredImage, pipeline: Pipeline, max_pixels: int,
                 preview: int | None = None, keep_inputs: bool = False) -> FilterResult:
    """Run a filter pipeline on a cached image (its prepared input is memoized)."""
    source = item.prepared(pipeline.channels, preview)
    return run_pipeline(source, pipeline, max_pixels, keep_inputs=keep_inputs)


class ImageStore:
    """Thread-safe LRU of StoredImage, bounded by bytes. Samples never expire."""

    def __init__(self, budget_bytes: int, limits: IntakeLimits, samples_dir: Path):
        self._budget = budget_bytes
        self._limits = limits
        self._samples_dir = samples_dir
        self._items: OrderedDict[str, StoredImage] = OrderedDict()
        self._samples: dict[str, StoredImage] = {}
        self._lock = threading.Lock()

    @property
    def limits(self) -> IntakeLimits:
        return self._limits

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
        item = StoredImage(f"sample:{name}", decoded.pixels, decoded.source_format, decoded.notes)
        with self._lock:
            return self._samples.setdefault(name, item)

    def add(self, decoded: DecodedImage, owner: str = "", quota: int | None = None
            ) -> StoredImage:
        """quota: the most bytes of images this owner may hold (429 beyond it)."""
        item = StoredImage(secrets.token_urlsafe(12), decoded.pixels, decoded.source_format,
                           decoded.notes, owner)
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

    def get(self, image_id: str, owner: str | None = None) -> StoredImage:
        """owner: the caller's session; another session's upload is not found (404)."""
        with self._lock:
            item = self._items.get(image_id)
            if item is None or (owner is not None and item.owner != owner):
                raise NotFound(
                    f"no uploaded image with id {image_id!r} (it may have expired from the cache); "
                    "upload it again with POST /api/images", ["image_id"])
            self._items.move_to_end(image_id)
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
