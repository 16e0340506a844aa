"""The IDX format of MNIST and Fashion-MNIST (gzipped or raw), read with NumPy.

Header: two zero bytes, a type code, the number of dimensions, then each dimension as a
big-endian uint32. The data follows, big-endian. Every size is checked against the bytes
actually present, so a truncated or hostile file is refused instead of misread.
"""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np

from server.errors import InvalidInput

DTYPES: dict[int, str] = {0x08: "u1", 0x09: "i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4",
                          0x0E: ">f8"}
MAX_BYTES = 2 * 1024**3  # the full CIFAR-sized sets are far below this


def parse_idx(data: bytes, name: str = "IDX file") -> np.ndarray:
    """Decode IDX bytes (gzip is detected by its magic number)."""
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise InvalidInput(f"{name}: the gzip stream is corrupt ({exc})", ["file"]) from exc
    if len(data) < 4 or data[:2] != b"\x00\x00":
        raise InvalidInput(f"{name}: not an IDX file (it must start with two zero bytes)",
                           ["file"])
    code, ndim = data[2], data[3]
    if code not in DTYPES:
        raise InvalidInput(f"{name}: unknown IDX type code 0x{code:02x}", ["file"])
    if not 1 <= ndim <= 4 or len(data) < 4 + 4 * ndim:
        raise InvalidInput(f"{name}: IDX header declares {ndim} dimensions", ["file"])
    dims = struct.unpack(f">{ndim}I", data[4 : 4 + 4 * ndim])
    dtype = np.dtype(DTYPES[code])
    expected = int(np.prod(dims, dtype=np.int64)) * dtype.itemsize
    body = memoryview(data)[4 + 4 * ndim :]
    if expected > MAX_BYTES or len(body) != expected:
        raise InvalidInput(
            f"{name}: the header declares {'x'.join(map(str, dims))} values ({expected} bytes) "
            f"but the file holds {len(body)} bytes; it is truncated or corrupt", ["file"])
    array = np.frombuffer(body, dtype=dtype).reshape(dims)
    return array.astype(dtype.newbyteorder("="), copy=True) if dtype.itemsize > 1 else array


def find_idx(folder: Path, split: str, part: str) -> Path:
    """The file for split ('train' or 't10k') and part ('images' or 'labels'), accepting both
    spellings in the wild (train-images-idx3-ubyte and train-images.idx3-ubyte), gzipped or not."""
    ndim = 3 if part == "images" else 1
    stems = [f"{split}-{part}-idx{ndim}-ubyte", f"{split}-{part}.idx{ndim}-ubyte"]
    for stem in stems:
        for suffix in (".gz", ""):
            path = folder / f"{stem}{suffix}"
            if path.is_file():
                return path
    raise FileNotFoundError(f"no {stems[0]}[.gz] in {folder}")


def read_idx(path: Path) -> np.ndarray:
    return parse_idx(path.read_bytes(), path.name)


def read_idx_split(folder: Path, split: str) -> tuple[np.ndarray, np.ndarray]:
    """(images (N, H, W) uint8, labels (N,) int64) of one split of an MNIST-style folder."""
    images = read_idx(find_idx(folder, split, "images"))
    labels = read_idx(find_idx(folder, split, "labels")).astype(np.int64)
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise InvalidInput(f"{folder.name}/{split}: {images.shape[0]} images but "
                           f"{labels.shape[0]} labels", ["file"])
    return images, labels
