"""Images built inside the tests: encoded bytes of every accepted format, and hostile files."""

from __future__ import annotations

import io
import struct
import zlib
from typing import Any

import numpy as np
from PIL import Image


def noise(height: int, width: int, channels: int = 3, seed: int = 0) -> np.ndarray:
    """uint8 (H, W, C) random pixels."""
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (height, width, channels), dtype=np.uint8)


def encode(image: Image.Image | np.ndarray, fmt: str, **options: Any) -> bytes:
    if isinstance(image, np.ndarray):
        image = Image.fromarray(image[..., 0] if image.ndim == 3 and image.shape[2] == 1
                                else image)
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def png(array: np.ndarray) -> bytes:
    return encode(array, "PNG")


def stripes(vertical: bool, seed: int) -> bytes:
    """A 40x30 picture of dark and light stripes (vertical or horizontal) with noise, at a
    random phase: two classes a small network tells apart, whatever the picture's size."""
    rng = np.random.default_rng(seed)
    period, phase = int(rng.integers(6, 10)), int(rng.integers(0, 10))
    axis = np.arange(40 if vertical else 30)
    wave = ((axis + phase) // (period // 2)) % 2 * 180 + 40
    image = np.tile(wave, (30, 1)) if vertical else np.tile(wave[:, None], (1, 40))
    noisy = image + rng.normal(0, 20, image.shape)
    return png(np.clip(noisy, 0, 255).astype(np.uint8)[..., None])


def decode_png(data: bytes) -> np.ndarray:
    """PNG bytes -> uint8 (H, W, C) with Pillow (independent of the server's OpenCV encoder)."""
    with Image.open(io.BytesIO(data)) as image:
        array = np.asarray(image)
    return array[..., None] if array.ndim == 2 else array


def _chunk(kind: bytes, body: bytes) -> bytes:
    return (struct.pack(">I", len(body)) + kind + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))


def png_header_only(width: int, height: int) -> bytes:
    """A well-formed PNG whose IHDR declares width x height RGB pixels, with one tiny IDAT.

    Decoding the pixels would need width*height*3 bytes; a safe reader refuses from the header.
    """
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat)
            + _chunk(b"IEND", b""))
