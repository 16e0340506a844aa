"""mAP@0.5 (VOC 2010+ all-point AP): hand-worked cases and a brute-force reference."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.detection.average_precision import ImageBoxes, class_ap, mean_average_precision

from .brute_force import iou


def truth(*boxes: tuple[list[float], int]) -> ImageBoxes:
    return ImageBoxes(np.array([b for b, _ in boxes], float).reshape(-1, 4),
                      np.array([c for _, c in boxes], int))


def found(*boxes: tuple[list[float], int, float]) -> ImageBoxes:
    return ImageBoxes(np.array([b for b, _, _ in boxes], float).reshape(-1, 4),
                      np.array([c for _, c, _ in boxes], int),
                      np.array([s for _, _, s in boxes], float))


BOX = [10.0, 10.0, 20.0, 20.0]
NEAR = [12.0, 10.0, 20.0, 20.0]  # IoU 18*20 / (800 - 360) = 0.818
FAR = [60.0, 60.0, 20.0, 20.0]


def test_every_object_found_once_scores_one() -> None:
    assert mean_average_precision([found((NEAR, 3, 0.9))], [truth((BOX, 3))], 10)[0] == 1.0


def test_a_duplicate_after_the_match_costs_nothing_but_a_false_alarm_above_it_halves() -> None:
    # Ranked TP, FP: precision 1 at recall 1 -> AP 1.
    assert class_ap([found((NEAR, 0, 0.9), (BOX, 0, 0.8))], [truth((BOX, 0))], 0) == 1.0
    # Ranked FP, TP: recall reaches 1 at precision 1/2 -> AP 0.5.
    assert class_ap([found((FAR, 0, 0.9), (NEAR, 0, 0.8))], [truth((BOX, 0))], 0) == 0.5


def test_a_worked_ranking_over_two_images() -> None:
    """3 objects; ranked TP, FP, TP, FP, (one object never found). Precision at each recall:
    1/3 -> 1, 2/3 -> 2/3. AP = 1/3 * 1 + 1/3 * 2/3 = 5/9."""
    truths = [truth((BOX, 1), (FAR, 1)), truth(([40.0, 0.0, 10.0, 30.0], 1))]
    detections = [found((NEAR, 1, 0.95), ([0.0, 60.0, 9.0, 9.0], 1, 0.9), (FAR, 1, 0.5)),
                  found(([70.0, 0.0, 10.0, 30.0], 1, 0.4))]
    assert class_ap(detections, truths, 1) == pytest.approx(1 / 3 + 1 / 3 * 2 / 3)


def test_the_wrong_class_or_a_loose_box_does_not_match() -> None:
    loose = [20.0, 20.0, 20.0, 20.0]  # IoU 100 / 700 = 0.14
    assert class_ap([found((NEAR, 2, 0.9))], [truth((BOX, 1))], 1) == 0.0
    assert class_ap([found((loose, 1, 0.9))], [truth((BOX, 1))], 1) == 0.0


def test_classes_without_ground_truth_are_left_out_of_the_mean() -> None:
    detections = [found((NEAR, 0, 0.9), (FAR, 5, 0.9))]
    score, per_class = mean_average_precision(detections, [truth((BOX, 0), (FAR, 1))], 10)
    assert per_class == {0: 1.0, 1: 0.0}
    assert score == 0.5


def reference_ap(detections: list[ImageBoxes], truths: list[ImageBoxes], label: int) -> float:
    """VOC by the definition: match in rank order with plain loops, then AP = sum over each
    recall level reached of (its rise in recall) x (the best precision at that recall or
    beyond)."""
    positives = sum(int((t.classes == label).sum()) for t in truths)
    ranked = sorted(((-float(d.scores[k]), i, k) for i, d in enumerate(detections)  # type: ignore[index]
                     for k in range(len(d.classes)) if d.classes[k] == label))
    taken: set[tuple[int, int]] = set()
    points: list[tuple[float, float]] = []
    hits = 0
    for n, (_, i, k) in enumerate(ranked, start=1):
        gts = [g for g in range(len(truths[i].classes)) if truths[i].classes[g] == label]
        overlaps = [iou(detections[i].boxes[k].tolist(), truths[i].boxes[g].tolist(), "xywh")
                    for g in gts]
        if overlaps:
            best = max(range(len(gts)), key=lambda j: (overlaps[j], -j))
            if overlaps[best] >= 0.5 and (i, gts[best]) not in taken:
                taken.add((i, gts[best]))
                hits += 1
        points.append((hits / positives, hits / n))
    total, previous = 0.0, 0.0
    for recall in sorted({r for r, _ in points}):
        if recall > previous:
            total += (recall - previous) * max(p for r, p in points if r >= recall)
            previous = recall
    return total


BOXES = st.tuples(st.integers(0, 40), st.integers(0, 40), st.integers(4, 20),
                  st.integers(4, 20))
IMAGE = st.tuples(st.lists(st.tuples(BOXES, st.integers(0, 2)), max_size=4),
                  st.lists(st.tuples(BOXES, st.integers(0, 2),
                                     st.sampled_from([0.1, 0.3, 0.5, 0.7, 0.9])), max_size=6))


@given(st.lists(IMAGE, min_size=1, max_size=5))
@settings(max_examples=300, deadline=None)
def test_ap_agrees_with_the_definition_computed_by_hand(images: list) -> None:  # type: ignore[type-arg]
    truths = [truth(*[(list(map(float, b)), c) for b, c in gts]) for gts, _ in images]
    detections = [found(*[(list(map(float, b)), c, s) for b, c, s in dets])
                  for _, dets in images]
    for label in range(3):
        ours = class_ap(detections, truths, label)
        if not any((t.classes == label).any() for t in truths):
            assert ours is None
        else:
            assert ours == pytest.approx(reference_ap(detections, truths, label), abs=1e-12)
