"""Boxes found in the detector's 96-pixel input map back to the uploaded picture's pixels:
a bright block drawn into pictures of many shapes, found after prepare() and mapped back."""

from __future__ import annotations

import numpy as np
import pytest

from server.inference.detect import Frame
from server.inference.preprocess import prepare
from server.training.detection_session import PREPROCESSING


@pytest.mark.parametrize(("height", "width"), [(96, 96), (150, 200), (37, 100), (300, 97),
                                               (50, 50), (96, 200), (400, 123)])
def test_a_box_in_the_input_frame_maps_back_to_the_picture(height: int, width: int) -> None:
    picture = np.zeros((height, width, 1), np.uint8)
    x, y, w, h = width // 4, height // 3, width // 2, height // 3
    picture[y:y + h, x:x + w] = 255
    prepared = prepare(picture, PREPROCESSING)
    rows, cols = np.nonzero(prepared.pixels[..., 0] > 127)
    box = [float(cols.min()), float(rows.min()), float(cols.max() - cols.min() + 1),
           float(rows.max() - rows.min() + 1)]
    back = Frame.of((height, width), PREPROCESSING).to_picture(box)
    # One input pixel is up to max(w, h) / 96 picture pixels: the resize blurs an edge by one.
    tolerance = 1.5 * max(height, width) / 96
    assert back == pytest.approx([x, y, w, h], abs=tolerance)
