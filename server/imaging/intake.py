"""Decode untrusted image bytes with Pillow into a uint8 NumPy array.

Order matters for safety: sniff the format from magic bytes, open the header only,
check the pixel count against the limit, and only then decode pixels. Pillow's
DecompressionBombWarning is promoted to an error. Everything happens in memory, so
no temporary file can be left behind.
"""

from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps

from server.errors import InvalidInput, TooLarge, UnsupportedMedia, human_bytes

# Pillow warns (DecompressionBombWarning) about an image over its own pixel limit and
# raises past twice that: both are refusals here. Set once for the process; a
# warnings.catch_warnings() around each decode would race between the threads that decode
# a batch in parallel (it saves and restores the process-wide filter list).
warnings.filterwarnings("error", category=Image.DecompressionBombWarning)

ACCEPTED_FORMATS = ("PNG", "JPEG", "WEBP", "BMP", "GIF", "TIFF")
_ACCEPTED_TEXT = "PNG, JPEG, WebP, BMP, GIF (first frame) and TIFF"

# Other formats people upload by mistake, so the error can say what the file is.
# (magic, what it is, its kind: the `kind` an error sends, so a page can say it in its language)
_OTHER_MAGIC: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF", "a PDF document", "pdf"),
    (b"<svg", "an SVG drawing", "svg"),
    (b"<?xml", "an XML/SVG file", "xml"),
    (b"PK\x03\x04", "a zip archive", "zip"),
    (b"\x1f\x8b", "a gzip archive", "gzip"),
    (b"8BPS", "a Photoshop PSD file", "psd"),
    (b"\x00\x00\x01\x00", "an ICO icon", "ico"),
    (b"\x00\x00\x00\x0cjXL ", "a JPEG XL image", "jxl"),
    (b"\xff\x0a", "a JPEG XL image", "jxl"),
)


@dataclass(frozen=True)
class IntakeLimits:
    max_bytes: int
    max_pixels: int


@dataclass(frozen=True)
class DecodedImage:
    pixels: np.ndarray  # (H, W, C) uint8, C is 1 (grayscale) or 3 (RGB)
    source_format: str
    source_mode: str
    notes: tuple[str, ...]

    @property
    def height(self) -> int:
        return int(self.pixels.shape[0])

    @property
    def width(self) -> int:
        return int(self.pixels.shape[1])

    @property
    def channels(self) -> int:
        return int(self.pixels.shape[2])


def sniff_format(data: bytes) -> str | None:
    """The accepted format these bytes start with, or None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    if data.startswith(b"BM"):
        return "BMP"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    if data[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "TIFF"
    return None


def _describe_unknown(data: bytes) -> tuple[str, str]:
    """(what the bytes look like, its kind: "pdf", "text", "unknown"...)."""
    head = data[:64].lstrip()
    for magic, name, kind in _OTHER_MAGIC:
        if head.startswith(magic):
            return name, kind
    if data[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1", b"ftypavif"):
        return "a HEIC/AVIF image", "heic"
    try:
        head.decode("utf-8")
        return "a text file", "text"
    except UnicodeDecodeError:
        return "a file of an unknown type", "unknown"


def decode_image(data: bytes, limits: IntakeLimits, field: str = "file") -> DecodedImage:
    """Decode an uploaded image or raise a PlaygroundError with a message that says the fix."""
    loc: list[str | int] = [field]
    if not data:
        raise InvalidInput("the file is empty (0 bytes); choose an image file", loc,
                           code="image_empty")
    if len(data) > limits.max_bytes:
        # Uploads are read only up to the limit plus one byte, so the true size is unknown.
        raise TooLarge(
            f"the file is larger than the upload limit of {human_bytes(limits.max_bytes)} "
            "(setting CNNPG_MAX_UPLOAD_BYTES); resize or recompress the image",
            loc, code="image_too_large", params={"limit": human_bytes(limits.max_bytes)},
        )
    fmt = sniff_format(data)
    if fmt is None:
        found, kind = _describe_unknown(data)
        raise UnsupportedMedia(
            f"this looks like {found}, not an accepted image; "
            f"accepted formats: {_ACCEPTED_TEXT}",
            loc, code="image_unsupported",
            params={"found": found, "kind": kind, "accepted": _ACCEPTED_TEXT},
        )
    try:
        image = Image.open(io.BytesIO(data), formats=[fmt])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _bomb(exc, loc) from exc
    except Exception as exc:
        raise InvalidInput(
            f"the {fmt} file is corrupt and cannot be read ({_reason(exc)})", loc,
            code="image_corrupt", params={"format": fmt, "reason": _reason(exc)}) from exc
    with image:
        _check_pixels(image, limits, loc)
        try:
            image.seek(0)  # GIF / multi-page TIFF: the first frame
            image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise _bomb(exc, loc) from exc
        except Exception as exc:
            raise InvalidInput(
                f"the {fmt} file is truncated or corrupt and cannot be decoded "
                f"({_reason(exc)}); "
                "re-export or re-download it",
                loc, code="image_truncated", params={"format": fmt, "reason": _reason(exc)},
            ) from exc
        notes: list[str] = []
        mode = image.mode
        oriented = _apply_exif_orientation(image, notes)
        pixels = to_array(oriented, notes)
    return DecodedImage(pixels=pixels, source_format=fmt, source_mode=mode, notes=tuple(notes))


def _bomb(exc: Exception, loc: list[str | int]) -> TooLarge:
    return TooLarge(f"refused a decompression bomb: {exc}", loc, code="image_bomb",
                    params={"reason": str(exc)})


def _reason(exc: Exception) -> str:
    """Pillow's message without object reprs such as <_io.BytesIO object at 0x7f...>."""
    return re.sub(r"\s*<[^>]* at 0x[0-9a-f]+>", "", str(exc)).strip() or type(exc).__name__


def _check_pixels(image: Image.Image, limits: IntakeLimits, loc: list[str | int]) -> None:
    width, height = image.size
    if width < 1 or height < 1:
        raise InvalidInput(f"the image has no pixels ({width}x{height})", loc,
                           code="image_no_pixels", params={"width": width, "height": height})
    if width * height > limits.max_pixels:
        raise TooLarge(
            f"the image is {width}x{height} = {width * height / 1e6:.1f} megapixels; the limit is "
            f"{limits.max_pixels / 1e6:.1f} megapixels (setting CNNPG_MAX_IMAGE_PIXELS); "
            "resize it first",
            loc, code="image_too_many_pixels",
            params={"width": width, "height": height,
                    "megapixels": round(width * height / 1e6, 1),
                    "limit": round(limits.max_pixels / 1e6, 1)},
        )


def _apply_exif_orientation(image: Image.Image, notes: list[str]) -> Image.Image:
    try:
        orientation = image.getexif().get(0x0112, 1)
    except Exception:  # a malformed EXIF block must not lose the picture
        notes.append("EXIF data is malformed and was ignored")
        return image
    if orientation in (None, 1):
        return image
    try:
        rotated = ImageOps.exif_transpose(image)
    except Exception:
        notes.append("EXIF orientation could not be applied")
        return image
    notes.append(f"rotated by EXIF orientation {orientation}")
    return rotated if rotated is not None else image


def to_array(image: Image.Image, notes: list[str]) -> np.ndarray:
    """Convert any Pillow mode to (H, W, 1) grayscale or (H, W, 3) RGB uint8."""
    mode = image.mode
    if mode in ("I;16", "I;16L", "I;16B", "I;16N", "I"):
        return _scale_wide(np.asarray(image), notes)
    if mode == "F":
        return _scale_float(np.asarray(image, dtype=np.float64), notes)
    if mode == "1":
        return np.asarray(image.convert("L"))[..., None]
    if mode == "P":
        has_alpha = "transparency" in image.info or (image.palette is not None and (
            image.palette.mode == "RGBA"
        ))
        image = image.convert("RGBA" if has_alpha else "RGB")
        mode = image.mode
    if mode in ("RGBA", "LA", "PA", "La", "RGBa"):
        if mode == "LA":
            image = image.convert("RGBA")
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        rgb = Image.alpha_composite(white, rgba).convert("RGB")
        notes.append("transparent areas composited on white")
        if mode in ("LA", "La"):
            return np.asarray(rgb.convert("L"))[..., None]
        return np.asarray(rgb)
    if mode == "L":
        return np.asarray(image)[..., None]
    if mode == "CMYK":
        notes.append("converted from CMYK to RGB")
    return np.asarray(image.convert("RGB"))


def _scale_wide(arr: np.ndarray, notes: list[str]) -> np.ndarray:
    """16-bit (or 32-bit integer) grayscale scaled to 0..255, never clipped."""
    values = arr.astype(np.float64)
    peak = 65535.0 if values.max(initial=0) <= 65535 and values.min(initial=0) >= 0 else None
    if peak is None:
        lo, hi = float(values.min()), float(values.max())
        values = (values - lo) / (hi - lo or 1.0) * 255.0
        notes.append(f"32-bit values {lo:g}..{hi:g} scaled to 0..255")
    else:
        values = values * (255.0 / peak)
        notes.append("16-bit values scaled to 8 bits")
    return np.clip(np.rint(values), 0, 255).astype(np.uint8)[..., None]


def _scale_float(values: np.ndarray, notes: list[str]) -> np.ndarray:
    values = np.nan_to_num(values, nan=0.0, posinf=0.0, neginf=0.0)
    lo, hi = float(values.min()), float(values.max())
    if lo >= 0.0 and hi <= 1.0:
        notes.append("floating-point values 0..1 scaled to 0..255")
        scaled = values * 255.0
    else:
        notes.append(f"floating-point values {lo:g}..{hi:g} scaled to 0..255")
        scaled = (values - lo) / (hi - lo or 1.0) * 255.0
    return np.clip(np.rint(scaled), 0, 255).astype(np.uint8)[..., None]
