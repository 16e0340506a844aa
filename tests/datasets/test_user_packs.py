"""A session dataset's storage: plain PNGs decoded by OpenCV give Pillow's pixels (and
anything else goes to Pillow's intake), a dataset in the first layout (a PNG file per
picture) is migrated into packs on first open, also after a migration was killed, and a
pack's bytes past packs.json's length are never read."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from pictures import decode_png, encode, noise, png, png_header_only
from PIL import Image, PngImagePlugin

from server.datasets import user_packs
from server.datasets.registry import DatasetRegistry
from server.datasets.user_files import DatasetRecord, write_atomic
from server.datasets.user_pictures import plain_png
from server.datasets.user_store import Quotas, Skipped, UserDatasets
from server.imaging import IntakeLimits, decode_image
from server.imaging.codec import encode_png

LIMITS = IntakeLimits(2**20, 10**6)


def store_at(root: Path) -> UserDatasets:
    return UserDatasets(root, Quotas(5, 1000, 2**30), LIMITS)


def with_text(array: np.ndarray) -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "made in a test")
    return encode(array, "PNG", pnginfo=info)


PLAIN = {  # kinds the fast path takes: its pixels must be Pillow's
    "grey, Pillow": png(noise(9, 13, 1, seed=1)),
    "rgb, Pillow": png(noise(17, 11, 3, seed=2)),
    "grey, OpenCV": encode_png(noise(28, 28, 1, seed=3), 6),
    "rgb, OpenCV": encode_png(noise(20, 30, 3, seed=4), 9),
    "rgb with a text chunk": with_text(noise(12, 12, 3, seed=5)),
}
OTHER = {  # kinds it leaves to Pillow's intake
    "16-bit grey": encode(Image.fromarray(noise(10, 10, 1, seed=6)[..., 0].astype(np.uint16)
                                          * 257), "PNG"),
    "rgba": encode(noise(10, 10, 4, seed=7), "PNG"),
    "palette": encode(Image.fromarray(noise(10, 10, 3, seed=8)).convert("P"), "PNG"),
    "grey with transparency": encode(noise(10, 10, 1, seed=9), "PNG", transparency=0),
    "truncated": png(noise(30, 30, 3, seed=10))[:-40],
    "over the pixel limit": png_header_only(2000, 1000),
    "jpeg": encode(noise(16, 16, 3, seed=11), "JPEG"),
}


@pytest.mark.parametrize("kind", PLAIN)
def test_plain_pngs_decode_to_pillows_pixels(kind: str) -> None:
    data = PLAIN[kind]
    fast = plain_png(data, LIMITS.max_pixels)
    assert fast is not None, "a plain PNG takes the fast path"
    assert np.array_equal(fast, decode_image(data, LIMITS).pixels)
    assert np.array_equal(fast, decode_png(data))


@pytest.mark.parametrize("kind", OTHER)
def test_other_files_are_left_to_the_intake(kind: str) -> None:
    assert plain_png(OTHER[kind], LIMITS.max_pixels) is None


def old_layout(root: Path) -> tuple[DatasetRecord, dict[str, np.ndarray]]:
    """A dataset as the first layout stored it: dataset.json and a PNG per picture."""
    record = DatasetRecord("ds-0123456789ab", "Old", "s-old", 12, 3, "pad")
    pictures: dict[str, np.ndarray] = {}
    for label in ("x", "y"):
        entry = record.new_class(label)
        (root / record.id / entry.id).mkdir(parents=True)
        for _ in range(6):
            pixels = noise(12, 12, 3, seed=len(pictures) + 50)
            digest = f"{len(pictures) * 7919:032x}"
            (root / record.id / entry.id / f"{digest}.png").write_bytes(encode_png(pixels))
            pictures[digest] = pixels
    write_atomic(root / record.id / "dataset.json", json.dumps({
        **record.__dict__, "classes": [c.__dict__ for c in record.classes]}).encode())
    return record, pictures


@pytest.mark.parametrize("killed_before", [False, True])
def test_the_first_layout_is_migrated_on_first_open(tmp_path: Path,
                                                     killed_before: bool) -> None:
    root = tmp_path / ".datasets"
    record, pictures = old_layout(root)
    if killed_before:  # a migration killed mid-write: a partial pack, no packs.json
        (root / record.id / "c0" / "pack").write_bytes(b"\x01" * 1000)
    store = store_at(root)
    opened = store.get(record.id)
    assert (root / record.id / "packs.json").is_file()
    assert not list((root / record.id).glob("c*/*.png")), "the PNGs go once packed"
    assert store.counts(opened) == {"x": 6, "y": 6}
    for entry in opened.classes:
        for image in store.images(opened, entry.name):
            assert np.array_equal(image.pixels, pictures[image.stem])
            assert np.array_equal(decode_png(image.read_bytes()), pictures[image.stem])
    store.delete_image(opened, next(iter(pictures)))
    assert store.counts(opened) == {"x": 5, "y": 6}


def test_training_reads_a_first_layout_dataset(tmp_path: Path) -> None:
    root = tmp_path / ".datasets"
    record, pictures = old_layout(root)
    registry = DatasetRegistry(tmp_path / "builtin", user_dir=root)
    images, labels = registry.load(record.id, "train")
    test_images, _ = registry.load(record.id, "test")
    assert len(images) + len(test_images) == 12
    expected = {p.tobytes() for p in pictures.values()}
    assert {p.tobytes() for p in images} | {p.tobytes() for p in test_images} == expected
    assert sorted(set(labels.tolist())) == [0, 1]


def test_bytes_past_the_recorded_length_are_never_read(tmp_path: Path) -> None:
    store = store_at(tmp_path)
    record = store.create("s-a", "A", ["a"], 8, 1, "crop")
    for n in range(3):
        store.put_pixels(record, "a", f"{n + 1:032x}", noise(8, 8, 1, seed=n))
    store.flush(record)
    pack = tmp_path / record.id / "c0" / "pack"
    with pack.open("ab") as stream:  # what a write killed before packs.json leaves
        stream.write(b"\xff" * (user_packs.record_bytes(record) + 5))
    fresh = store_at(tmp_path)
    assert fresh.counts(record) == {"a": 3}
    fresh.put_pixels(record, "a", f"{9:032x}", noise(8, 8, 1, seed=9))
    fresh.flush(record)
    ids, pixels = user_packs.read_class(tmp_path, record, "c0")
    assert ids == [f"{n:032x}" for n in (1, 2, 3, 9)]
    assert np.array_equal(pixels[3], noise(8, 8, 1, seed=9))
    assert pack.stat().st_size == 4 * user_packs.record_bytes(record)


def test_prepare_and_put_still_take_and_give_pngs(tmp_path: Path) -> None:
    """The PNG-bytes pair of UserDatasets (prepare, put) over the pixel one: a fork of a
    dataset can copy a picture with put(record, label, image.stem, image.read_bytes())."""
    store = store_at(tmp_path)
    source = store.create("s-a", "A", ["a"], 10, 3, "crop")
    original = png(noise(30, 20, 3, seed=70))
    digest, kept = store.prepare(source, original)
    assert np.array_equal(decode_png(kept), store.prepare_pixels(source, original)[1])
    assert store.put(source, "a", digest, kept) == digest
    (image,) = store.images(source, "a")
    copy = store.create("s-b", "B", [], 10, 3, "crop")
    store.put(copy, "a", image.stem, image.read_bytes())
    assert np.array_equal(store.images(copy, "a")[0].pixels, decode_png(kept))
    with pytest.raises(Skipped, match="duplicate"):
        store.put(copy, "a", image.stem, image.read_bytes())
    with pytest.raises(Skipped, match="not a PNG"):
        store.put(copy, "a", f"{1:032x}", b"not a png")
