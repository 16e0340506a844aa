"""Classification metrics from predictions: the confusion matrix and per-class scores."""

from __future__ import annotations

from typing import Any

import torch


def confusion_matrix(predicted: torch.Tensor, true: torch.Tensor, classes: int) -> torch.Tensor:
    """(classes, classes) int64; row = true class, column = predicted class."""
    index = true.to(torch.int64) * classes + predicted.to(torch.int64)
    return torch.bincount(index, minlength=classes * classes).reshape(classes, classes)


def per_class(matrix: torch.Tensor) -> list[dict[str, Any]]:
    """Precision, recall, F1 and support of each class (0.0 where undefined, as sklearn)."""
    m = matrix.to(torch.float64)
    hits = torch.diagonal(m)
    predicted = m.sum(dim=0)
    support = m.sum(dim=1)
    precision = torch.where(predicted > 0, hits / predicted.clamp(min=1), torch.zeros_like(hits))
    recall = torch.where(support > 0, hits / support.clamp(min=1), torch.zeros_like(hits))
    denominator = precision + recall
    f1 = torch.where(denominator > 0, 2 * precision * recall / denominator.clamp(min=1e-12),
                     torch.zeros_like(hits))
    return [{"precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
            for p, r, f, s in zip(precision, recall, f1, support, strict=True)]
