"""The YOLO label grid, decoding, the loss (against a cell-by-cell loop) and the head."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from server.detection.detector import GRID, detect, yolo_tiny
from server.detection.yolo import (
    CLASS,
    COORD,
    NO_OBJECT,
    OBJECT,
    Grid,
    best_anchor,
    boxes_of,
    decode,
    encode,
    yolo_loss,
)
from server.nn.blocks import DetectionHead

GRID3 = Grid(cells=3, anchors=((1.0, 1.0), (1.0, 2.0)), classes=4, image_size=96)


def test_an_object_is_labelled_in_the_cell_holding_its_centre_the_lecture_s_way() -> None:
    # A 40 x 64 box centred at (56, 40): column 1 (x 56/32 = 1.75), row 1 (y 40/32 = 1.25)
    # of a 3 x 3 grid of 32-pixel cells.
    box = np.array([[56 - 20, 40 - 32, 40, 64]], np.float32)
    target = encode(GRID3, box, np.array([2]))
    assert target.shape == (3, 3, 2, 9)
    assert target[..., 0].sum() == 1
    anchor = best_anchor(GRID3, 40 / 32, 64 / 32)
    assert anchor == 1  # 1.25 x 2 cells: IoU 0.8 with 1 x 2, 0.4 with 1 x 1
    p, x, y, w, h, *classes = target[1, 1, anchor].tolist()
    assert (p, x, y, w, h) == (1.0, 0.75, 0.25, 1.25, 2.0)
    assert classes == [0, 0, 1, 0]


def test_best_anchor_is_the_highest_iou_of_centred_shapes() -> None:
    grid = Grid(cells=1, anchors=((1.0, 1.0), (2.0, 0.5), (0.5, 2.0)), classes=1, image_size=10)
    assert best_anchor(grid, 1.9, 0.6) == 1
    assert best_anchor(grid, 0.4, 1.8) == 2
    assert best_anchor(grid, 1.1, 0.9) == 0


def test_two_objects_wanting_one_slot_keep_the_first_and_other_anchors_still_fill() -> None:
    boxes = np.array([[0, 0, 30, 30], [2, 2, 28, 28], [10, 0, 20, 60]], np.float32)
    target = encode(GRID3, boxes, np.array([0, 1, 3]))
    assert target[0, 0, 0, 5:].tolist() == [1, 0, 0, 0]  # the first, not the second
    assert target[0, 0, 1, 0] == 1
    assert target[0, 0, 1, 8] == 1
    assert target[..., 0].sum() == 2


def test_boxes_come_back_from_a_label_grid_read_as_a_prediction() -> None:
    boxes = np.array([[5, 7, 20, 30], [50, 40, 30, 20], [70, 70, 20, 25]], np.float32)
    target = encode(GRID3, boxes, np.array([0, 1, 3]))
    found = boxes_of(GRID3, target, score_threshold=0.5)
    order = np.argsort(found.boxes[:, 0])
    assert np.allclose(found.boxes[order], boxes, atol=1e-5)
    assert found.classes[order].tolist() == [0, 1, 3]
    assert (found.scores == 1).all()


def test_decode_squashes_positions_and_scales_anchors() -> None:
    raw = torch.zeros(1, 3, 3, 2 * 9)
    raw[0, 0, 0, 9 + 3] = math.log(2.0)  # second anchor: w = 1 * e^(log 2) = 2, h = 2 * e^0
    out = decode(GRID3, raw)
    assert out.shape == (1, 3, 3, 2, 9)
    assert out[0, 0, 0, 1, :3].tolist() == [0.5, 0.5, 0.5]
    assert out[0, 0, 0, 1, 3].item() == pytest.approx(2.0)
    assert out[0, 0, 0, 1, 4].item() == pytest.approx(2.0)
    assert out[0, 0, 0, 1, 5:].sum().item() == pytest.approx(1.0)


def reference_loss(predicted: torch.Tensor, target: torch.Tensor) -> float:
    """YOLO v1's sum of squared errors, written out slot by slot."""
    total = 0.0
    for image, cells in zip(predicted.tolist(), target.tolist(), strict=True):
        for r in range(len(cells)):
            for c in range(len(cells[r])):
                for b in range(len(cells[r][c])):
                    t, p = cells[r][c][b], image[r][c][b]
                    if t[0] == 1:
                        total += COORD * ((t[1] - p[1]) ** 2 + (t[2] - p[2]) ** 2
                                          + (math.sqrt(t[3]) - math.sqrt(p[3])) ** 2
                                          + (math.sqrt(t[4]) - math.sqrt(p[4])) ** 2)
                        total += OBJECT * (1 - p[0]) ** 2
                        total += CLASS * sum((a - b) ** 2
                                             for a, b in zip(t[5:], p[5:], strict=True))
                    else:
                        total += NO_OBJECT * p[0] ** 2
    return total / len(target)


def scene_targets() -> torch.Tensor:
    first = encode(GRID3, np.array([[5, 7, 20, 30], [50, 40, 30, 20]], np.float32),
                   np.array([0, 2]))
    second = encode(GRID3, np.array([[60, 10, 25, 50]], np.float32), np.array([3]))
    return torch.stack([first, second])


def test_the_loss_is_zero_on_a_perfect_prediction_and_grows_as_a_box_moves() -> None:
    target = scene_targets()
    assert yolo_loss(target.clone(), target).item() == 0.0
    losses = []
    for shift in (0.05, 0.1, 0.2):
        moved = target.clone()
        moved[0, 0, 0, :, 1] += shift * target[0, 0, 0, :, 0]
        losses.append(yolo_loss(moved, target).item())
    assert 0 < losses[0] < losses[1] < losses[2]
    assert losses[0] == pytest.approx(COORD * 0.05 ** 2 / 2)


def test_the_loss_matches_the_written_out_sum_on_random_predictions() -> None:
    torch.manual_seed(3)
    target = scene_targets()
    predicted = decode(GRID3, torch.randn(2, 3, 3, 18))
    assert yolo_loss(predicted, target).item() == pytest.approx(
        reference_loss(predicted, target), rel=1e-5)


def test_the_loss_gradient_reaches_every_term() -> None:
    target = scene_targets()
    raw = torch.randn(2, 3, 3, 18, requires_grad=True)
    yolo_loss(decode(GRID3, raw), target).backward()
    assert raw.grad is not None
    slots = raw.grad.reshape(2, 3, 3, 2, 9)
    assert slots[..., 0].abs().sum() > 0
    assert slots[..., 1:5].abs().sum() > 0
    assert slots[..., 5:].abs().sum() > 0


def test_the_head_gives_the_lecture_s_volume_s_by_s_by_b_times_5_plus_c() -> None:
    head = DetectionHead(8, boxes=2, classes=10)
    assert head(torch.zeros(3, 8, 6, 6)).shape == (3, 6, 6, 30)
    assert sum(p.numel() for p in head.parameters()) == (8 + 1) * 30
    assert yolo_tiny()(torch.zeros(2, 1, 96, 96)).shape == (2, GRID.cells, GRID.cells, 30)


def test_detect_keeps_one_box_per_object_after_nms() -> None:
    target = encode(GRID, np.array([[10, 10, 20, 28]], np.float32), np.array([4]))
    # A second, slightly shifted and less sure guess for the same digit in the other anchor.
    slot = int(target[1, 1, :, 0].argmax())
    other = 1 - slot
    target[1, 1, other] = target[1, 1, slot]
    target[1, 1, other, 0] = 0.8
    target[1, 1, other, 1] += 0.05
    found = detect(GRID, target)
    assert len(found.raw.scores) == 2
    assert len(found.kept.scores) == 1
    assert found.kept.classes.tolist() == [4]
    assert np.allclose(found.kept.boxes[0], [10, 10, 20, 28], atol=1e-4)
