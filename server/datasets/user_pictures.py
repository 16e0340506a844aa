"""One uploaded file made into one dataset picture (its id and pixels), and a stored
picture as the API shows it. CPU work only: an import runs it on several threads.

Most pictures in a dataset import are plain PNGs: 8-bit grey or RGB, no transparency, no
colour profile, no EXIF. Those are decoded by OpenCV straight from their bytes (one C call
that releases the GIL) after their header's size is checked against the pixel limit; the
result is the array Pillow's full intake (server/imaging/intake.py) gives for them, which a
test checks. Anything else, or anything OpenCV cannot read, goes through that intake, which
says why a bad file is bad.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from server.datasets.normalize import MIN_SIDE, normalize
from server.datasets.user_files import DatasetRecord
from server.datasets.user_packs import png
from server.errors import PlaygroundError
from server.imaging import IntakeLimits, decode_image

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_END = b"\x00\x00\x00\x00IEND\xaeB`\x82"
# Chunks that make Pillow's intake give something else than the plain pixels (or a note).
SPECIAL_CHUNKS = (b"tRNS", b"eXIf", b"iCCP", b"sBIT", b"gAMA", b"cHRM", b"sRGB", b"acTL")


class Skipped(Exception):
    """One file not stored, and why (the upload goes on with the next). `code` and `params`
    as for PlaygroundError: the skipped entry's `type` and `ctx`, so a page can say the
    reason in its own language (web/static/js/errors/data.js)."""

    def __init__(self, reason: str, code: str | None = None,
                 params: dict[str, Any] | None = None):
        super().__init__(reason)
        self.code = code
        self.params = params or {}

    def entry(self, file: str) -> dict[str, Any]:
        """The answer's {file, reason} for this file (with type and ctx when coded)."""
        found: dict[str, Any] = {"file": file, "reason": str(self)}
        if self.code:
            found.update(type=self.code, ctx=self.params)
        return found


def unreadable(exc: PlaygroundError) -> Skipped:
    """A file the image intake refused: its reason, with the intake's own type and values."""
    return Skipped(f"not an image we can read: {exc.msg}", "skip_unreadable",
                   {"reason": exc.msg, "error": exc.code or exc.kind, "error_ctx": exc.params})


@dataclass(frozen=True)
class StoredImage:
    """A picture of a dataset: its id, and its PNG on demand (`stem`, `name` and
    `read_bytes()` as a PNG file's Path had them in the first layout)."""

    image_id: str
    pixels: np.ndarray  # (size, size, channels) uint8

    @property
    def stem(self) -> str:
        return self.image_id

    @property
    def name(self) -> str:
        return f"{self.image_id}.png"

    def read_bytes(self) -> bytes:
        return png(self.pixels)


def plain_png(data: bytes, max_pixels: int) -> np.ndarray | None:
    """(H, W, 1|3) uint8 RGB of a plain 8-bit grey or RGB PNG; None for anything else."""
    if len(data) < 45 or not data.startswith(PNG_SIGNATURE) or data[12:16] != b"IHDR":
        return None
    width, height, depth, colour = struct.unpack(">IIBB", data[16:26])
    if (depth != 8 or colour not in (0, 2) or not 0 < width * height <= max_pixels
            or not data.endswith(PNG_END) or any(c in data for c in SPECIAL_CHUNKS)):
        return None
    pixels = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    want = (height, width) if colour == 0 else (height, width, 3)
    if pixels is None or pixels.dtype != np.uint8 or pixels.shape != want:
        return None
    if colour == 0:
        return pixels[..., None]
    rgb: np.ndarray = cv2.cvtColor(pixels, cv2.COLOR_BGR2RGB)
    return rgb


def prepare_pixels(record: DatasetRecord, data: bytes, limits: IntakeLimits) -> tuple[
        str, np.ndarray]:
    """(image id, the pixels to keep) of one uploaded file; Skipped with the reason."""
    digest = hashlib.sha256(data).hexdigest()[:32]
    pixels = plain_png(data, limits.max_pixels) if len(data) <= limits.max_bytes else None
    if pixels is None:
        try:
            pixels = decode_image(data, limits).pixels
        except PlaygroundError as exc:
            raise unreadable(exc) from None
    height, width = pixels.shape[:2]
    if min(height, width) < MIN_SIDE:
        raise Skipped(f"too small: {width}x{height} pixels; pictures need at least "
                      f"{MIN_SIDE}x{MIN_SIDE}", "skip_too_small",
                      {"width": width, "height": height, "min": MIN_SIDE})
    if pixels.shape != (record.size, record.size, record.channels):
        pixels = normalize(pixels, record.size, record.channels, record.fit)
    return digest, pixels
