"""Fitting a picture into a square (or any) input, keeping its aspect ratio: scaled to fit,
centred, the rest black (a letterbox). Detection imports and /detect share it, so a box
mapped into the input frame at import is where the model sees it at prediction."""

from __future__ import annotations

import cv2
import numpy as np


def resize(image: np.ndarray, width: int, height: int) -> np.ndarray:
    """(H, W, C) uint8 resized: area averaging when shrinking (no aliasing), bilinear
    when growing."""
    h, w = image.shape[:2]
    shrinking = width < w or height < h
    out = cv2.resize(image, (max(1, width), max(1, height)),
                     interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR)
    return out[..., None] if out.ndim == 2 else out


def fit_geometry(height: int, width: int, out_height: int, out_width: int
                 ) -> tuple[int, int, int, int]:
    """Where a height x width picture goes in an out_height x out_width frame: (width,
    height) after scaling to fit, each side rounded on its own, and the (top, left) offset
    that centres it."""
    scale = min(out_height / height, out_width / width)
    size_w, size_h = max(1, round(width * scale)), max(1, round(height * scale))
    return size_w, size_h, (out_height - size_h) // 2, (out_width - size_w) // 2


def letterbox(image: np.ndarray, out_height: int, out_width: int) -> np.ndarray:
    """(H, W, C) uint8 fitted into (out_height, out_width, C) on black."""
    h, w = image.shape[:2]
    if (h, w) == (out_height, out_width):
        return image
    size_w, size_h, top, left = fit_geometry(h, w, out_height, out_width)
    canvas = np.zeros((out_height, out_width, image.shape[2]), dtype=np.uint8)
    canvas[top:top + size_h, left:left + size_w] = resize(image, size_w, size_h)
    return canvas
