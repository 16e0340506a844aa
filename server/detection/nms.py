"""Greedy non-maximum suppression, per class, in vectorised torch (float64), in row blocks.

The order: boxes scoring below ``score_threshold`` are dropped first; the rest are sorted by
score, highest first, ties by the lower index first (a stable sort). Walking that order, a
box still standing is kept, and every later box of its class whose IoU with it is greater
than ``iou_threshold`` is removed (by the first kept box that reaches it).

Memory: the IoU matrix of N boxes is N x N (10,000 boxes: 100M values, 800 MB in float64), so
it is never built whole. Each class runs alone; its M still-standing boxes are taken
BLOCK_ELEMENTS // M rows at a time, each block against the standing boxes after it; inside
a block the greedy walk goes over the block's overlapping pairs only, and across blocks it
is one vectorised step.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import torch

from server.detection.boxes import Format, areas, iou_block, to_corners

BLOCK_ELEMENTS = 1 << 20  # IoU values per block: 8 MB of float64 per temporary


@dataclass
class Suppression:
    """What NMS decided: kept boxes in order, and who removed whom with what IoU."""

    keep: list[int] = field(default_factory=list)
    dropped: list[int] = field(default_factory=list)
    removed: dict[int, list[tuple[int, float]]] = field(default_factory=dict)


def nms(boxes: Sequence[Sequence[float]], scores: Sequence[float],
        classes: Sequence[int] | None,
        iou_threshold: float, score_threshold: float, fmt: Format,
        block_elements: int = BLOCK_ELEMENTS) -> Suppression:
    """Indices refer to the request's lists. The boxes are already checked (boxes.py)."""
    result = Suppression()
    score_t = torch.tensor(scores, dtype=torch.float64)
    below = score_t < score_threshold
    result.dropped = below.nonzero().flatten().tolist()
    candidates = (~below).nonzero().flatten()
    if not len(candidates):
        return result
    # Stable descending sort: equal scores keep the lower index first.
    order = candidates[torch.sort(score_t[candidates], descending=True, stable=True).indices]
    corners = to_corners(torch.tensor(boxes, dtype=torch.float64).reshape(-1, 4), fmt)[order]
    box_areas = areas(corners)
    labels = (torch.tensor(classes, dtype=torch.int64)[order] if classes is not None
              else torch.zeros(len(order), dtype=torch.int64))
    # Classes never suppress each other: each runs alone (a class's boxes stay in score
    # order), so the work is the sum of the classes' squares, not N^2.
    _, group_of, sizes = torch.unique(labels, return_inverse=True, return_counts=True)
    alone = (sizes[group_of] == 1).nonzero().flatten().tolist()
    result.keep.extend(alone)
    result.removed.update((k, []) for k in alone)
    for group in (sizes > 1).nonzero().flatten().tolist():
        members = (group_of == group).nonzero().flatten()
        _one_class(corners[members], box_areas[members], members, iou_threshold,
                   block_elements, result)
    result.keep.sort()  # positions in score order
    index = order.tolist()  # position in score order -> index in the request
    result.keep = [index[k] for k in result.keep]
    result.removed = {index[k]: [(index[j], v) for j, v in pairs]
                      for k, pairs in result.removed.items()}
    return result


def _one_class(corners: torch.Tensor, box_areas: torch.Tensor, ids: torch.Tensor,
               iou_threshold: float, block_elements: int, result: Suppression) -> None:
    """Greedy NMS over one class's boxes, in score order; ``ids`` are their positions in
    the whole score order, which is what ``result`` records."""
    n = len(ids)
    alive = torch.ones(n, dtype=torch.bool)
    block = max(1, block_elements // n)
    start = 0
    while start < n:
        rows = start + alive[start:start + block].nonzero().flatten()
        start += block
        if not len(rows):
            continue
        later = start + alive[start:].nonzero().flatten()
        cols = torch.cat([rows, later])
        over = iou_block(corners[rows], box_areas[rows], corners[cols], box_areas[cols])
        hits = over > iou_threshold
        kept_here = _walk_block(hits[:, :len(rows)], over, ids[rows], result)
        alive[rows[~kept_here]] = False
        _remove_later(hits[kept_here, len(rows):], over[kept_here, len(rows):],
                      ids[rows[kept_here]], later, ids, alive, result)


def _walk_block(hits: torch.Tensor, over: torch.Tensor, row_ids: torch.Tensor,
                result: Suppression) -> torch.Tensor:
    """The greedy walk inside one block. Pairs come row by row, so a row's fate is settled
    before its own pairs are read. Returns which rows were kept."""
    pairs = torch.triu(hits, diagonal=1).nonzero()
    standing = [True] * len(row_ids)
    values = over[pairs[:, 0], pairs[:, 1]].tolist()
    names = row_ids.tolist()
    for (r, c), value in zip(pairs.tolist(), values, strict=True):
        if standing[r] and standing[c]:
            standing[c] = False
            result.removed.setdefault(names[r], []).append((names[c], value))
    kept_here = torch.tensor(standing, dtype=torch.bool)
    for r in row_ids[kept_here].tolist():
        result.keep.append(r)
        result.removed.setdefault(r, [])
    return kept_here


def _remove_later(hits: torch.Tensor, over: torch.Tensor, kept_ids: torch.Tensor,
                  later: torch.Tensor, ids: torch.Tensor, alive: torch.Tensor,
                  result: Suppression) -> None:
    """Boxes after the block that a kept box of the block reaches: the first (highest
    scoring) kept box that reaches one removes it."""
    if not len(kept_ids) or not len(later):
        return
    reached = hits.any(dim=0)
    if not bool(reached.any()):
        return
    columns = reached.nonzero().flatten()
    first = hits[:, columns].to(torch.uint8).argmax(dim=0)  # the first True of each column
    alive[later[columns]] = False
    values = over[first, columns].tolist()
    for k, j, value in zip(kept_ids[first].tolist(), ids[later[columns]].tolist(), values,
                           strict=True):
        result.removed[k].append((j, value))


def describe(result: Suppression, scores: Sequence[float], classes: Sequence[int] | None,
             iou_threshold: float) -> list[dict[str, Any]]:
    """One step per kept box, in the order kept: the box, and the boxes it removed."""
    steps = []
    for k in result.keep:
        removed = sorted(result.removed.get(k, []))
        text = f"keep box {k} (score {scores[k]:g}"
        text += f", class {classes[k]})" if classes is not None else ")"
        if removed:
            text += "; remove " + ", ".join(
                f"box {j} (IoU {v:.4g} > {iou_threshold:g})" for j, v in removed)
        steps.append({"kept": k, "score": scores[k],
                      "class": classes[k] if classes is not None else None,
                      "removed": [{"index": j, "iou": v} for j, v in removed],
                      "text": text})
    return steps
