"""mAP@0.5: all-point interpolated average precision per class (PASCAL VOC 2010 and later),
averaged over the classes that have at least one ground-truth box.

Per class, the detections of every image are ranked by score, highest first (equal scores:
the earlier image, then the earlier detection, first). Walking that ranking, a detection is a
true positive when its best-overlapping ground-truth box of its class in its image has
IoU >= 0.5 and was not matched yet; otherwise (no overlap that good, or that box already
taken by a higher-scoring detection) it is a false positive. Each ground truth is matched
at most once. Precision and recall after each detection give the precision-recall curve;
precision is made monotone (each point takes the best precision at any higher recall) and
the area under that step curve is the AP. A class with ground truth but no detections has
AP 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from server.detection.boxes import areas, iou_block, to_corners

MATCH_IOU = 0.5


@dataclass(frozen=True)
class ImageBoxes:
    """One image's boxes (N x 4, xywh), their classes, and scores (detections only)."""

    boxes: np.ndarray
    classes: np.ndarray
    scores: np.ndarray | None = None


def average_precision(recall: np.ndarray, precision: np.ndarray) -> float:
    """The area under the monotone precision envelope, over recall 0..1 (VOC 2010+)."""
    r = np.concatenate([[0.0], recall, [1.0]])
    p = np.concatenate([[0.0], precision, [0.0]])
    p = np.maximum.accumulate(p[::-1])[::-1]  # best precision at this recall or beyond
    steps = np.nonzero(r[1:] != r[:-1])[0]
    return float(np.sum((r[steps + 1] - r[steps]) * p[steps + 1]))


def class_ap(detections: Sequence[ImageBoxes], truths: Sequence[ImageBoxes], label: int,
             match_iou: float = MATCH_IOU) -> float | None:
    """The AP of one class; None when no image has a ground-truth box of it."""
    gt = [_corners(t.boxes[t.classes == label]) for t in truths]
    positives = sum(len(g) for g in gt)
    if positives == 0:
        return None
    ranked: list[tuple[float, int, int]] = []  # (-score, image, detection): a stable order
    for image, found in enumerate(detections):
        assert found.scores is not None
        for j in np.nonzero(found.classes == label)[0]:
            ranked.append((-float(found.scores[j]), image, int(j)))
    ranked.sort()
    taken = [np.zeros(len(g), bool) for g in gt]
    hits = np.zeros(len(ranked), bool)
    for n, (_, image, k) in enumerate(ranked):
        if not len(gt[image]):
            continue
        box = _corners(detections[image].boxes[k:k + 1])
        overlaps = iou_block(box, areas(box), gt[image], areas(gt[image]))[0]
        best = int(torch.argmax(overlaps))
        if overlaps[best] >= match_iou and not taken[image][best]:
            taken[image][best] = True
            hits[n] = True
    true_pos = np.cumsum(hits)
    precision = true_pos / np.arange(1, len(ranked) + 1)
    return average_precision(true_pos / positives, precision)


def mean_average_precision(detections: Sequence[ImageBoxes], truths: Sequence[ImageBoxes],
                           class_count: int, match_iou: float = MATCH_IOU
                           ) -> tuple[float, dict[int, float]]:
    """(mAP, AP per class) over the classes that have ground truth; mAP is 0 when none do."""
    if len(detections) != len(truths):
        raise ValueError(f"{len(detections)} detection lists for {len(truths)} images")
    per_class = {c: ap for c in range(class_count)
                 if (ap := class_ap(detections, truths, c, match_iou)) is not None}
    return (float(np.mean(list(per_class.values()))) if per_class else 0.0), per_class


def _corners(boxes: np.ndarray) -> torch.Tensor:
    return to_corners(torch.as_tensor(np.asarray(boxes, np.float64)).reshape(-1, 4), "xywh")
