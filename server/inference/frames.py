"""One webcam frame for /ws/classify: its JSON header checked, its bytes turned into pixels.

A frame is a text message (the header) followed by one binary message (the picture). The
picture is raw RGBA at the size the header gives (what a canvas's getImageData returns: no
encoding in the browser, no decoding here, lossless), or an encoded image (PNG, JPEG, WebP:
read by the same safe intake as uploads). Both end as the (H, W, C) uint8 pixels that
`POST /api/models/{id}/predict` hands to the model's preprocessing, so both answer alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from PIL import Image
from pydantic import BaseModel, ConfigDict, Field

from server.errors import InvalidInput, TooLarge, human_bytes
from server.imaging import IntakeLimits, decode_image
from server.imaging.intake import to_array


class FrameHeader(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["frame"] = "frame"
    id: int = Field(ge=0, lt=2**53, description="a client counter: answers carry it back")
    model_id: str = Field(min_length=1, max_length=200)
    format: Literal["rgba", "image"] = "image"
    width: int | None = Field(default=None, ge=1, le=16384)
    height: int | None = Field(default=None, ge=1, le=16384)
    top_k: int = Field(default=5, ge=1, le=1000)
    explain: bool = True


@dataclass(frozen=True)
class FrameLimits:
    max_bytes: int
    max_pixels: int


def header_id(data: object) -> int | None:
    """The header's id as sent, when it is a whole number (to tag its error)."""
    rid = data.get("id") if isinstance(data, dict) else None
    return rid if isinstance(rid, int) and not isinstance(rid, bool) else None


def frame_pixels(header: FrameHeader, data: bytes | None, limits: FrameLimits) -> np.ndarray:
    """The picture's (H, W, C) uint8 pixels, or a PlaygroundError naming the field and fix."""
    if data is None:
        raise InvalidInput(f"frame {header.id} came without its picture: send the header, then "
                           "the picture as one binary message", ["frame"])
    if len(data) > limits.max_bytes:
        raise TooLarge(f"the picture is {human_bytes(len(data))}; a frame may be at most "
                       f"{human_bytes(limits.max_bytes)} (setting CNNPG_WEBCAM_MAX_FRAME_BYTES):"
                       " send a smaller picture, or JPEG", ["frame"])
    if header.format == "image":
        return decode_image(data, IntakeLimits(limits.max_bytes, limits.max_pixels),
                            "frame").pixels
    return _rgba_pixels(header, data, limits)


def _rgba_pixels(header: FrameHeader, data: bytes, limits: FrameLimits) -> np.ndarray:
    width, height = header.width, header.height
    if width is None or height is None:
        missing = "width" if width is None else "height"
        raise InvalidInput(f"an RGBA frame needs its {missing}: add \"width\" and \"height\" "
                           "(pixels) to the header", [missing])
    if width * height > limits.max_pixels:
        raise TooLarge(f"the frame is {width}x{height} = {width * height} pixels; at most "
                       f"{limits.max_pixels} (setting CNNPG_WEBCAM_MAX_PIXELS): scale it down "
                       "before sending", ["width"])
    if len(data) != width * height * 4:
        raise InvalidInput(f"the picture has {len(data)} bytes, but an RGBA frame of "
                           f"{width}x{height} has {width * height * 4} (4 per pixel): send "
                           "getImageData's bytes as they are, or fix width and height",
                           ["frame"])
    rgba = np.frombuffer(data, np.uint8).reshape(height, width, 4)
    if int(rgba[..., 3].min()) == 255:  # opaque (a camera): alpha compositing changes nothing
        return np.ascontiguousarray(rgba[..., :3])
    # Transparency: composited on white, exactly as an uploaded RGBA PNG is.
    return to_array(Image.fromarray(rgba, "RGBA"), [])
