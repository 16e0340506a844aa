"""YOLO label files and class-name files as labelling tools write them, the Ultralytics
layout, and anchors chosen from a dataset's boxes by k-means over IoU."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from server.detection.anchors import kmeans_anchors, shape_iou
from server.detection.own_import import label_path
from server.detection.yolo_files import BadLabel, parse_labels, parse_names


def test_label_lines_become_classes_and_fractional_boxes() -> None:
    found = parse_labels("0 0.5 0.5 0.2 0.4\n\n1 0.25 0.75 0.1 0.1\n", classes=2)
    assert found.classes.tolist() == [0, 1]
    assert found.boxes.tolist() == [[0.5, 0.5, 0.2, 0.4], [0.25, 0.75, 0.1, 0.1]]
    empty = parse_labels("", classes=2)
    assert empty.classes.shape == (0,)
    assert empty.boxes.shape == (0, 4)


@pytest.mark.parametrize(("text", "words"), [
    ("0 0.5 0.5 0.2", "line 1 holds 4 values"),
    ("0 0.1 0.1 0.2 0.1 0.3 0.3", "segmentation polygon"),
    ("0 0.5 0.5 0.2 0.2\n2 0.5 0.5 0.2 0.2", "line 2: class 2 is past the 2 class names"),
    ("cat 0.5 0.5 0.2 0.2", "'cat' is not a class number"),
    ("0 0.5 0.5 0 0.2", "width 0.0"),
    ("0 120 80 40 30", "not pixels"),
    ("0 0.5 nan 0.2 0.2", "cy is 'nan'"),
    ("0 0.5 0.5 x 0.2", "w is 'x', not a number"),
])
def test_a_bad_label_line_is_named_with_its_fix(text: str, words: str) -> None:
    with pytest.raises(BadLabel, match=words):
        parse_labels(text, classes=2)


def test_class_names_come_from_each_tool_s_file() -> None:
    assert parse_names("classes.txt", "cat\ndog\n\n") == ["cat", "dog"]
    assert parse_names("obj.names", "person\n") == ["person"]
    assert parse_names("data.yaml", "names: [cat, dog]\nnc: 2\n") == ["cat", "dog"]
    assert parse_names("data.yaml", "names:\n  1: dog\n  0: cat\n") == ["cat", "dog"]
    with pytest.raises(BadLabel, match="number them 0, 1, 2"):
        parse_names("data.yaml", "names:\n  0: cat\n  2: dog\n")
    with pytest.raises(BadLabel, match="no `names:` list"):
        parse_names("data.yaml", "train: images/train\n")
    with pytest.raises(BadLabel, match="not readable YAML"):
        parse_names("data.yaml", "names: [cat, dog\n")


@pytest.mark.parametrize(("picture", "labels"), [
    (("a.jpg",), ("a.txt",)),
    (("shapes", "a.png"), ("shapes", "a.txt")),
    (("images", "train", "a.jpg"), ("labels", "train", "a.txt")),
    (("set", "images", "val", "b.png"), ("set", "labels", "val", "b.txt")),
    (("images", "x", "images", "c.jpg"), ("images", "x", "labels", "c.txt")),
])
def test_labels_are_looked_for_where_ultralytics_puts_them(
        picture: tuple[str, ...], labels: tuple[str, ...]) -> None:
    assert label_path(picture) == labels


def brute_force_anchor_sets(sizes: np.ndarray, k: int) -> float:
    """The best mean IoU any k of the boxes' own sizes reach as anchors (by trying all)."""
    best = 0.0
    for picks in itertools.combinations(range(len(sizes)), k):
        best = max(best, float(shape_iou(sizes, sizes[list(picks)]).max(axis=1).mean()))
    return best


def test_kmeans_anchors_settle_on_the_medians_of_their_boxes_and_fit_them_well() -> None:
    rng = np.random.default_rng(3)
    tall = np.column_stack([rng.uniform(8, 12, 12), rng.uniform(28, 36, 12)])
    wide = np.column_stack([rng.uniform(30, 40, 12), rng.uniform(10, 14, 12)])
    sizes = np.concatenate([tall, wide])
    anchors = kmeans_anchors(sizes, 2)
    nearest = shape_iou(sizes, anchors).argmax(axis=1)
    for j in range(2):  # a fixed point: each anchor is the median of the boxes nearest it
        assert anchors[j] == pytest.approx(np.median(sizes[nearest == j], axis=0))
    assert sorted(nearest[:12].tolist()) == [nearest[0]] * 12  # the two shapes kept apart
    assert set(nearest[12:].tolist()) == {1 - nearest[0]}
    fit = float(shape_iou(sizes, anchors).max(axis=1).mean())
    assert fit >= brute_force_anchor_sets(sizes, 2) - 0.02
    with pytest.raises(ValueError, match="no boxes"):
        kmeans_anchors(np.zeros((0, 2)), 2)
