"""One uploaded picture made into one dataset image: the dataset's size and channels.

`fit` says what happens to a picture that is not square: "pad" keeps all of it and fills
the short side with the picture's own border colour (the median of its edge pixels, so a
photo on a white desk pads white, a digit on black pads black); "crop" keeps the centre
square. Then it is resized with area averaging (no aliasing when shrinking a big photo).
"""

from __future__ import annotations

from typing import Literal

import cv2
import numpy as np

Fit = Literal["pad", "crop"]
MIN_SIDE = 8  # pixels: smaller pictures hold nothing a network can learn from


def to_channels(pixels: np.ndarray, channels: int) -> np.ndarray:
    """(H, W, C) uint8 with C = channels (grey from RGB by luminance, RGB by repetition)."""
    image = pixels[..., None] if pixels.ndim == 2 else pixels
    if image.shape[2] == 4:
        image = image[..., :3]
    if channels == 1 and image.shape[2] == 3:
        return cv2.cvtColor(np.ascontiguousarray(image), cv2.COLOR_RGB2GRAY)[..., None]
    if channels == 3 and image.shape[2] == 1:
        return np.repeat(image, 3, axis=2)
    return image


def _square(image: np.ndarray, fit: Fit) -> np.ndarray:
    height, width = image.shape[:2]
    if height == width:
        return image
    side = max(height, width) if fit == "pad" else min(height, width)
    if fit == "crop":
        top, left = (height - side) // 2, (width - side) // 2
        return image[top:top + side, left:left + side]
    edges = np.concatenate([image[0], image[-1], image[:, 0], image[:, -1]])  # (E, C)
    fill = np.median(edges, axis=0).astype(np.uint8)
    out = np.empty((side, side, image.shape[2]), np.uint8)
    out[:] = fill
    top, left = (side - height) // 2, (side - width) // 2
    out[top:top + height, left:left + width] = image
    return out


def normalize(pixels: np.ndarray, size: int, channels: int, fit: Fit) -> np.ndarray:
    """(size, size, channels) uint8."""
    image = _square(to_channels(pixels, channels), fit)
    out = cv2.resize(image, (size, size), interpolation=cv2.INTER_AREA)
    return out[..., None] if out.ndim == 2 else out
