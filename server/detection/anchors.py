"""Anchor sizes from a dataset's own boxes, as YOLO v2 chose them: k-means over the boxes'
widths and heights with 1 - IoU as the distance (boxes compared as if they shared a centre),
so a big box and a small box of the same shape are not pulled together by plain Euclidean
distance. Deterministic: it starts from evenly spaced quantiles of box area.
"""

from __future__ import annotations

import numpy as np

ROUNDS = 50


def shape_iou(sizes: np.ndarray, anchors: np.ndarray) -> np.ndarray:
    """IoU of every (w, h) in `sizes` with every anchor, all centred alike: N x K."""
    inter = (np.minimum(sizes[:, None, 0], anchors[None, :, 0])
             * np.minimum(sizes[:, None, 1], anchors[None, :, 1]))
    areas = sizes[:, 0] * sizes[:, 1]
    result: np.ndarray = inter / (areas[:, None] + anchors[:, 0] * anchors[:, 1] - inter)
    return result


def kmeans_anchors(sizes: np.ndarray, k: int) -> np.ndarray:
    """k anchor (w, h) pairs for boxes of `sizes` (N x 2, any unit), smallest area first.
    Each anchor ends as the median size of the boxes nearest it (by IoU)."""
    sizes = np.asarray(sizes, np.float64).reshape(-1, 2)
    if len(sizes) == 0:
        raise ValueError("no boxes to choose anchors from")
    order = np.argsort(sizes[:, 0] * sizes[:, 1], kind="stable")
    picks = order[np.linspace(0, len(sizes) - 1, k).round().astype(int)]
    anchors = sizes[picks].copy()
    for _ in range(ROUNDS):
        nearest = shape_iou(sizes, anchors).argmax(axis=1)
        moved = np.array([np.median(sizes[nearest == j], axis=0) if (nearest == j).any()
                          else anchors[j] for j in range(k)])
        if np.allclose(moved, anchors):
            break
        anchors = moved
    ordered: np.ndarray = anchors[np.argsort(anchors[:, 0] * anchors[:, 1], kind="stable")]
    return ordered
