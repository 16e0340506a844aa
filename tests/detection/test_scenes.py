"""mnist-detect: deterministic scenes, tight boxes on real digits, held out by source digit,
and a cache that is written atomically and survives damage."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
import torch
from torch.nn import functional

from server.datasets.registry import DatasetRegistry
from server.detection import scene_cache, scene_files
from server.detection.scenes import INK, MAX_OVERLAP, SCALE, SIZE, Scenes, make_scenes

from .brute_force import iou


@pytest.fixture(scope="module")
def mnist(tmp_path_factory: pytest.TempPathFactory) -> DatasetRegistry:
    return DatasetRegistry(tmp_path_factory.mktemp("downloads"))


@pytest.fixture(scope="module")
def scenes(mnist: DatasetRegistry) -> Scenes:
    images, labels = mnist.load("mnist", "train")
    return make_scenes(images[..., 0], labels, 300, seed=7)


def test_the_same_seed_gives_the_same_scenes_and_another_seed_others(
        mnist: DatasetRegistry, scenes: Scenes) -> None:
    images, labels = mnist.load("mnist", "train")
    again = make_scenes(images[..., 0], labels, 300, seed=7)
    for key, array in scenes.arrays().items():
        assert np.array_equal(array, again.arrays()[key]), key
    other = make_scenes(images[..., 0], labels, 300, seed=8)
    assert not np.array_equal(other.images, scenes.images)


def test_every_scene_holds_one_to_four_digits_inside_the_canvas_some_overlapping(
        scenes: Scenes) -> None:
    counts = np.diff(scenes.starts)
    assert counts.min() == 1
    assert counts.max() == 4
    assert set(counts.tolist()) == {1, 2, 3, 4}
    x, y, w, h = scenes.boxes.T
    assert (x >= 0).all()
    assert (y >= 0).all()
    assert (w > 0).all()
    assert (h > 0).all()
    assert (x + w <= SIZE).all()
    assert (y + h <= SIZE).all()
    overlaps = [iou(a, b, "xywh") for i in range(len(scenes))
                for a, b in itertools.combinations(scenes.targets(i)[0].tolist(), 2)]
    assert max(overlaps) <= MAX_OVERLAP
    assert sum(o > 0 for o in overlaps) >= 10  # some digits do overlap


def test_a_lone_digit_s_box_is_the_bounding_box_of_its_ink(scenes: Scenes) -> None:
    lone = [i for i in range(len(scenes)) if scenes.starts[i + 1] - scenes.starts[i] == 1]
    assert len(lone) >= 20
    for i in lone:
        rows, cols = np.nonzero(scenes.images[i, :, :, 0] >= INK)
        box = scenes.targets(i)[0][0]
        assert box.tolist() == [cols.min(), rows.min(), cols.max() + 1 - cols.min(),
                                rows.max() + 1 - rows.min()]


def test_each_box_holds_its_source_digit_scaled_with_its_label(
        mnist: DatasetRegistry, scenes: Scenes) -> None:
    images, labels = mnist.load("mnist", "train")
    assert np.array_equal(labels[scenes.sources], scenes.classes)
    lone = [i for i in range(len(scenes)) if scenes.starts[i + 1] - scenes.starts[i] == 1]
    for i in lone[:20]:
        digit = images[scenes.sources[scenes.starts[i]], :, :, 0]
        found = _glyph_at(scenes.images[i, :, :, 0], digit)
        assert found, f"scene {i} does not hold its source digit at any scale"


def _glyph_at(scene: np.ndarray, digit: np.ndarray) -> bool:
    """Whether some scaling of `digit` (20..44 px) sits in `scene` pixel for pixel."""
    for side in range(SCALE[0], SCALE[1] + 1):
        source = torch.tensor(digit, dtype=torch.float32)[None, None]
        glyph = functional.interpolate(source, size=(side, side), mode="bilinear",
                                       align_corners=False)[0, 0]
        glyph_np = glyph.round().clamp(0, 255).to(torch.uint8).numpy()
        rows, cols = np.nonzero(glyph_np >= INK)
        srows, scols = np.nonzero(scene >= INK)
        y, x = srows.min() - rows.min(), scols.min() - cols.min()
        if 0 <= y <= SIZE - side and 0 <= x <= SIZE - side and np.array_equal(
                scene[y:y + side, x:x + side], glyph_np):
            return True
    return False


def test_test_scenes_are_made_of_test_digits_only(mnist: DatasetRegistry,
                                                  tmp_path: Path) -> None:
    train = scene_cache.load_scenes(tmp_path, mnist, "train", count=200)
    test = scene_cache.load_scenes(tmp_path, mnist, "test", count=200)
    _train_digits, train_labels = mnist.load("mnist", "train")
    test_digits, test_labels = mnist.load("mnist", "test")
    assert np.array_equal(test_labels[test.sources], test.classes)
    assert np.array_equal(train_labels[train.sources], train.classes)
    lone = [i for i in range(len(test)) if test.starts[i + 1] - test.starts[i] == 1]
    for i in lone[:10]:
        source = test_digits[test.sources[test.starts[i]], :, :, 0]
        assert _glyph_at(test.images[i, :, :, 0], source)
    # No test scene repeats a train scene's picture.
    assert not (test.images[:50, None] == train.images[None, :50]).all(axis=(2, 3, 4)).any()


def test_the_cache_is_read_back_not_regenerated_and_a_damaged_file_is_made_again(
        mnist: DatasetRegistry, tmp_path: Path) -> None:
    first = scene_cache.load_scenes(tmp_path, mnist, "test", count=50)
    path = scene_cache.scenes_file(tmp_path, "test", count=50, variant=mnist.folder("mnist")[1])
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted([path.name, scene_files.images_file(path).name])  # no temporary
    stamp = path.stat().st_mtime_ns
    again = scene_cache.load_scenes(tmp_path, mnist, "test", count=50)
    assert path.stat().st_mtime_ns == stamp
    assert np.array_equal(again.images, first.images)
    path.write_bytes(path.read_bytes()[:1000])  # cut short, as by a full disk
    repaired = scene_cache.load_scenes(tmp_path, mnist, "test", count=50)
    assert np.array_equal(repaired.boxes, first.boxes)
    assert path.stat().st_size > 1000


def test_the_cache_refuses_pickled_objects(mnist: DatasetRegistry, tmp_path: Path) -> None:
    path = scene_cache.scenes_file(tmp_path, "test", count=20, variant=mnist.folder("mnist")[1])
    pickled = np.array([object()], dtype=object)
    np.savez(path, boxes=pickled, classes=np.zeros(0), starts=np.zeros(2), sources=np.zeros(0))
    np.save(scene_files.images_file(path), pickled, allow_pickle=True)
    scenes = scene_cache.load_scenes(tmp_path, mnist, "test", count=20)
    assert scenes.images.dtype == np.uint8
    assert scenes.boxes.dtype == np.float32
    assert len(scenes) == 20
    # Pictures cut short (a full disk): made again, not read past their end. (Cut in place
    # here, under the old mapping, which is not touched again: the cache itself only ever
    # renames a whole new file over the old one.)
    expected = np.array(scenes.images)
    images = scene_files.images_file(path)
    images.write_bytes(images.read_bytes()[:5000])
    again = scene_cache.load_scenes(tmp_path, mnist, "test", count=20)
    assert np.array_equal(again.images, expected)
