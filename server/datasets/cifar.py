"""CIFAR-10, from the python batches (through a restricted unpickler) or the binary batches.

A pickle from a user is untrusted: unpickling can run arbitrary code. The unpickler below
resolves only the few NumPy names needed to rebuild arrays; anything else is refused.
"""

from __future__ import annotations

import io
import pickle
from pathlib import Path
from typing import Any

import numpy as np

from server.errors import InvalidInput

RECORD = 1 + 32 * 32 * 3
CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship",
           "truck")
_ALLOWED = {
    ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
    ("numpy", "ndarray"), ("numpy", "dtype"), ("numpy.core.multiarray", "scalar"),
    ("numpy._core.multiarray", "scalar"), ("_codecs", "encode"),
    ("numpy.core.numeric", "_frombuffer"), ("numpy._core.numeric", "_frombuffer"),
}
MAX_PICKLE_BYTES = 256 * 1024 * 1024


class RestrictedUnpickler(pickle.Unpickler):
    """Rebuilds dicts, lists, bytes and NumPy arrays; refuses every other global."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(
            f"refused to load {module}.{name}: only NumPy arrays may appear in a dataset pickle")


def safe_unpickle(data: bytes, name: str) -> Any:
    if len(data) > MAX_PICKLE_BYTES:
        raise InvalidInput(f"{name} is larger than {MAX_PICKLE_BYTES // 2**20} MB", ["file"])
    try:
        return RestrictedUnpickler(io.BytesIO(data), encoding="bytes").load()
    except pickle.UnpicklingError as exc:
        raise InvalidInput(f"{name}: {exc}", ["file"]) from exc
    except Exception as exc:  # truncated or corrupt pickles raise many types
        raise InvalidInput(f"{name}: not a readable CIFAR batch ({exc})", ["file"]) from exc


def _key(batch: dict[Any, Any], key: str) -> Any:
    for k in (key, key.encode()):
        if k in batch:
            return batch[k]
    raise InvalidInput(f"the batch has no {key!r} entry", ["file"])


def parse_python_batch(data: bytes, name: str) -> tuple[np.ndarray, np.ndarray]:
    """(images (N, 32, 32, 3) uint8, labels (N,) int64) from one python batch."""
    batch = safe_unpickle(data, name)
    if not isinstance(batch, dict):
        raise InvalidInput(f"{name}: expected a dict batch, got {type(batch).__name__}", ["file"])
    raw = np.asarray(_key(batch, "data"))
    labels = np.asarray(_key(batch, "labels"), dtype=np.int64)
    if raw.dtype != np.uint8 or raw.ndim != 2 or raw.shape[1] != RECORD - 1:
        raise InvalidInput(f"{name}: data must be uint8 (N, 3072), got {raw.dtype} {raw.shape}",
                           ["file"])
    if len(labels) != len(raw) or (labels.size and not 0 <= labels.min() <= labels.max() < 10):
        raise InvalidInput(f"{name}: {len(raw)} images but {len(labels)} labels in 0..9",
                           ["file"])
    # Rows are 1024 R, 1024 G, 1024 B values of a 32x32 image.
    return raw.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1).copy(), labels


def parse_binary_batch(data: bytes, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Records of 1 label byte + 3072 pixel bytes."""
    if not data or len(data) % RECORD:
        raise InvalidInput(f"{name}: {len(data)} bytes is not a whole number of "
                           f"{RECORD}-byte records", ["file"])
    records = np.frombuffer(data, dtype=np.uint8).reshape(-1, RECORD)
    labels = records[:, 0].astype(np.int64)
    if labels.max() >= 10:
        raise InvalidInput(f"{name}: label {labels.max()} is not a CIFAR-10 class", ["file"])
    images = records[:, 1:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1).copy()
    return images, labels


def read_cifar_folder(folder: Path, split: str) -> tuple[np.ndarray, np.ndarray]:
    """split 'train' (data_batch_1..5) or 'test' (test_batch), python or binary layout."""
    names = [f"data_batch_{i}" for i in range(1, 6)] if split == "train" else ["test_batch"]
    parts = []
    for stem in names:
        binary = folder / f"{stem}.bin"
        if binary.is_file():
            parts.append(parse_binary_batch(binary.read_bytes(), binary.name))
        elif (folder / stem).is_file():
            parts.append(parse_python_batch((folder / stem).read_bytes(), stem))
    if not parts:
        raise FileNotFoundError(f"no CIFAR-10 {split} batches in {folder}")
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])
