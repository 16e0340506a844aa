"""Dataset readers against the real shipped data and generated fixtures of every format."""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import pickle
import struct
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from server.datasets.cifar import parse_binary_batch, parse_python_batch, read_cifar_folder
from server.datasets.folder import ZipLimits, read_image_folder, read_image_zip
from server.datasets.idx import parse_idx, read_idx_split
from server.datasets.registry import BUILTIN_DIR
from server.errors import InvalidInput, TooLarge
from server.imaging import IntakeLimits

LIMITS = IntakeLimits(max_bytes=1 << 20, max_pixels=1 << 20)
# The official first labels of each split, and the sha256 of the first training image.
SHIPPED = {
    "mnist": ((10000, 2000), [5, 0, 4, 1, 9], [7, 2, 1, 0, 4],
              "23ceaef5eb61f0e70d64ac18fdf0f60df3d5971cf30bbadac7b6ebf07f782d2c"),
    "fashion-mnist": ((5000, 1000), [9, 0, 0, 3, 0], [9, 2, 1, 1, 6],
                      "5bd44e331a6d6998daf675700cd0c13dcd7af8ab954b7585124124da61459e7b"),
}


def idx_bytes(array: np.ndarray, code: int = 0x08) -> bytes:
    header = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_shipped_subsets_are_balanced_and_in_official_order(name: str) -> None:
    (n_train, n_test), first_train, first_test, digest = SHIPPED[name]
    for split, count, first in (("train", n_train, first_train), ("t10k", n_test, first_test)):
        images, labels = read_idx_split(BUILTIN_DIR / name, split)
        assert images.shape == (count, 28, 28)
        assert images.dtype == np.uint8
        assert labels[:5].tolist() == first
        assert np.bincount(labels, minlength=10).tolist() == [count // 10] * 10
        if split == "train":
            assert hashlib.sha256(images[0].tobytes()).hexdigest() == digest


def test_shipped_files_match_their_checksums() -> None:
    lines = (BUILTIN_DIR / "SHA256SUMS").read_text().split("\n")
    checked = 0
    for line in filter(None, lines):
        digest, rel = line.split()
        assert hashlib.sha256((BUILTIN_DIR / rel).read_bytes()).hexdigest() == digest, rel
        checked += 1
    assert checked == 8


def test_idx_round_trip_raw_gzip_and_both_spellings(tmp_path: Path) -> None:
    images = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    labels = np.array([7, 3], dtype=np.uint8)
    (tmp_path / "train-images.idx3-ubyte").write_bytes(idx_bytes(images))  # dot spelling
    (tmp_path / "train-labels-idx1-ubyte.gz").write_bytes(gzip.compress(idx_bytes(labels)))
    got_images, got_labels = read_idx_split(tmp_path, "train")
    assert np.array_equal(got_images, images)
    assert got_labels.tolist() == [7, 3]


@pytest.mark.parametrize(("code", "dtype"), [(0x09, "i1"), (0x0B, "i2"), (0x0C, "i4"),
                                             (0x0D, "f4"), (0x0E, "f8")])
def test_idx_wider_types_are_big_endian(code: int, dtype: str) -> None:
    array = np.array([[1, -2], [300, 4]], dtype=dtype) if dtype != "i1" else np.array(
        [[1, -2], [3, 4]], dtype=dtype)
    assert np.array_equal(parse_idx(idx_bytes(array, code)), array)


@pytest.mark.parametrize(("data", "fragment"), [
    (b"\x01\x02\x08\x01", "two zero bytes"),
    (b"\x00\x00\x07\x01\x00\x00\x00\x01\x00", "unknown IDX type code"),
    (b"\x00\x00\x08\x02\x00\x00\x00\x02\x00\x00\x00\x02\x00", "truncated or corrupt"),
    (b"\x1f\x8b\x08garbage", "gzip stream is corrupt"),
])
def test_idx_refuses_broken_files(data: bytes, fragment: str) -> None:
    with pytest.raises(InvalidInput, match=fragment):
        parse_idx(data)


def cifar_rows(n: int, seed: int) -> tuple[np.ndarray, list[int]]:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, 3072), dtype=np.uint8), rng.integers(0, 10, n).tolist()


@pytest.mark.parametrize("protocol", [2, 4, 5])
def test_cifar_python_batch(protocol: int) -> None:
    rows, labels = cifar_rows(3, 1)
    images, got = parse_python_batch(pickle.dumps({b"data": rows, b"labels": labels},
                                                  protocol=protocol), "b")
    assert got.tolist() == labels
    # Row layout: 1024 R then 1024 G then 1024 B values; pixel (y, x) of channel c.
    assert images[1, 5, 7, 2] == rows[1, 2 * 1024 + 5 * 32 + 7]
    assert images.shape == (3, 32, 32, 3)


class Exploit:
    def __reduce__(self) -> tuple[Any, ...]:
        return (os.system, ("touch /tmp/cnnpg-pwned",))


def test_malicious_pickle_is_refused_without_running_code(tmp_path: Path) -> None:
    marker = Path("/tmp/cnnpg-pwned")
    marker.unlink(missing_ok=True)
    payload = pickle.dumps({b"data": Exploit(), b"labels": [1]})
    with pytest.raises(InvalidInput, match=r"refused to load posix\.system"):
        parse_python_batch(payload, "data_batch_1")
    assert not marker.exists()


def test_cifar_binary_batch_and_folder(tmp_path: Path) -> None:
    rows, labels = cifar_rows(4, 2)
    records = np.concatenate([np.array(labels, dtype=np.uint8)[:, None], rows], axis=1)
    (tmp_path / "test_batch.bin").write_bytes(records.tobytes())
    images, got = read_cifar_folder(tmp_path, "test")
    assert got.tolist() == labels
    assert images[3, 31, 0, 1] == rows[3, 1024 + 31 * 32]
    with pytest.raises(InvalidInput, match="whole number"):
        parse_binary_batch(records.tobytes()[:-1], "test_batch.bin")


def png(color: tuple[int, int, int], size: tuple[int, int] = (10, 6)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG")
    return buffer.getvalue()


def test_image_folder_skips_and_counts_bad_files(tmp_path: Path) -> None:
    for cls, color in (("cats", (200, 0, 0)), ("dogs", (0, 0, 200))):
        (tmp_path / cls).mkdir()
        (tmp_path / cls / "a.png").write_bytes(png(color))
        (tmp_path / cls / "b.png").write_bytes(png(color, (30, 30)))
    (tmp_path / "dogs" / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really")
    (tmp_path / "dogs" / "notes.txt").write_text("hello")
    data = read_image_folder(tmp_path, (8, 8), 3, LIMITS)
    assert data.classes == ["cats", "dogs"]
    assert data.images.shape == (4, 8, 8, 3)
    assert data.labels.tolist() == [0, 0, 1, 1]
    assert data.skipped == {"unreadable image": 1, "not an image file": 1}
    assert tuple(data.images[0, 4, 4]) == (200, 0, 0)
    gray = read_image_folder(tmp_path, (8, 8), 1, LIMITS)
    assert gray.images.shape == (4, 8, 8, 1)


def make_zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_image_zip_with_a_top_folder() -> None:
    data = make_zip({"pets/cats/1.png": png((255, 255, 255)), "pets/dogs/1.png": png((0, 0, 0)),
                     "pets/dogs/.DS_Store": b"junk"})
    result = read_image_zip(data, (4, 4), 1, LIMITS)
    assert result.classes == ["cats", "dogs"]
    assert result.images[:, 0, 0, 0].tolist() == [255, 0]


@pytest.mark.parametrize("name", ["../evil/1.png", "/abs/cats/1.png", "a/../../b/1.png",
                                  "C:/x/1.png"])
def test_zip_entries_that_escape_are_refused(name: str) -> None:
    data = make_zip({"cats/1.png": png((1, 2, 3)), name: png((1, 2, 3))})
    with pytest.raises(InvalidInput, match="escape"):
        read_image_zip(data, (4, 4), 3, LIMITS)


def test_zip_bomb_is_refused_before_extraction() -> None:
    data = make_zip({"cats/1.png": b"\0" * 5_000_000, "dogs/1.png": png((1, 2, 3))})
    with pytest.raises(TooLarge, match="zip bomb"):
        read_image_zip(data, (4, 4), 3, LIMITS, ZipLimits(max_ratio=100))
    with pytest.raises(TooLarge, match="unpacks to"):
        read_image_zip(data, (4, 4), 3, LIMITS, ZipLimits(max_total_bytes=1_000_000))
