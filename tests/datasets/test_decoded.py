"""Decoded datasets kept on disk and memory-mapped: decoded once, the same arrays after,
decoded again when the source changes, never half-written."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from server.datasets.decoded import load_decoded
from server.datasets.registry import DatasetRegistry


def test_built_in_mnist_maps_to_the_same_arrays_as_decoding(tmp_path: Path) -> None:
    plain = DatasetRegistry(tmp_path / "downloads")
    mapped = DatasetRegistry(tmp_path / "downloads", decoded_dir=tmp_path / "decoded")
    for split in ("train", "test"):
        images, labels = plain.load("mnist", split)
        mapped_images, mapped_labels = mapped.load("mnist", split)
        assert isinstance(mapped_images, np.memmap)
        np.testing.assert_array_equal(mapped_images, images)
        np.testing.assert_array_equal(mapped_labels, labels)
    assert len(list((tmp_path / "decoded").glob("mnist-*.npy"))) == 4
    assert not list((tmp_path / "decoded").glob(".tmp-*"))  # written whole, then renamed


def test_decoded_once_then_read_and_again_when_the_source_changes(tmp_path: Path) -> None:
    source = tmp_path / "source"
    source.mkdir()
    (source / "data.bin").write_bytes(b"\x01\x02\x03")
    calls: list[str] = []

    def decode(folder: Path, split: str) -> tuple[np.ndarray, np.ndarray]:
        calls.append(split)
        raw = np.frombuffer((folder / "data.bin").read_bytes(), dtype=np.uint8)
        return raw.reshape(-1, 1, 1, 1), raw.astype(np.int64)

    cache = tmp_path / "cache"
    first = load_decoded(cache, "toy", "train", source, decode)
    again = load_decoded(cache, "toy", "train", source, decode)
    assert calls == ["train"]  # the second load read the cache
    np.testing.assert_array_equal(again[1], [1, 2, 3])
    assert first[0].flags.writeable  # copy-on-write: torch.from_numpy takes it as it is
    (source / "data.bin").write_bytes(b"\x07\x08")
    os.utime(source / "data.bin", ns=(1, 1))  # a new download: other size and time
    changed = load_decoded(cache, "toy", "train", source, decode)
    assert calls == ["train", "train"]
    np.testing.assert_array_equal(changed[1], [7, 8])
