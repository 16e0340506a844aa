"""Candidate boxes for the NMS step-through: what an untuned detector proposes around a scene.

Every true box gets PER_OBJECT guesses: the box itself, a little off, and further off (each
shifted by up to a quarter of its size and scaled by 0.8..1.25); a guess's score falls with
its distance from the truth, as a detector's confidence does. One guess in four around each
object takes a neighbouring class at a lower score, so per-class NMS has something to keep
apart. Drawn from the scene's index: the same scene always shows the same proposals.
"""

from __future__ import annotations

import numpy as np

from server.detection.scenes import pair_iou

PER_OBJECT = 5


def proposals(boxes: np.ndarray, classes: np.ndarray, seed: int, size: int = 96,
              class_count: int = 10) -> tuple[list[list[float]], list[float], list[int]]:
    """(boxes xywh, scores in [0, 1], classes) around the true `boxes` in a size x size
    picture of `class_count` classes."""
    rng = np.random.default_rng(seed)
    out_boxes: list[list[float]] = []
    scores: list[float] = []
    labels: list[int] = []
    for (x, y, w, h), label in zip(boxes.tolist(), classes.tolist(), strict=True):
        for k in range(PER_OBJECT):
            spread = 0.0 if k == 0 else 0.25 * k / (PER_OBJECT - 1)
            dx, dy = rng.uniform(-spread, spread, 2) * (w, h)
            sw, sh = np.exp(rng.uniform(-1, 1, 2) * spread * np.log(1.25) * 4)
            nw, nh = float(min(w * sw, size)), float(min(h * sh, size))
            nx = float(np.clip(x + dx + (w - nw) / 2, 0, size - nw))
            ny = float(np.clip(y + dy + (h - nh) / 2, 0, size - nh))
            guess = [round(nx, 1), round(ny, 1), round(nw, 1), round(nh, 1)]
            overlap = pair_iou(guess, [x, y, w, h])
            wrong = k > 0 and rng.random() < 0.25
            score = (0.55 if wrong else 0.97) * overlap * rng.uniform(0.85, 1.0)
            out_boxes.append(guess)
            scores.append(round(float(score), 3))
            labels.append((label + 1) % class_count if wrong else label)
    return out_boxes, scores, labels
