"""decode_image with files made in the test: every format, every odd mode, hostile files."""

from __future__ import annotations

import io
from collections.abc import Iterator

import numpy as np
import pytest
from pictures import encode, noise, png, png_header_only
from PIL import Image, ImageFile

from server.errors import InvalidInput, PlaygroundError, TooLarge, UnsupportedMedia
from server.imaging import IntakeLimits, decode_image

LIMITS = IntakeLimits(max_bytes=4 * 1024 * 1024, max_pixels=4_000_000)
FORMATS_TEXT = "PNG, JPEG, WebP, BMP, GIF (first frame) and TIFF"
RGB = noise(24, 32, 3, seed=1)


@pytest.mark.parametrize(("fmt", "options", "lossless"), [
    ("PNG", {}, True), ("BMP", {}, True), ("TIFF", {}, True), ("WEBP", {"lossless": True}, True),
    ("JPEG", {"quality": 95}, False), ("WEBP", {"quality": 95}, False),
])
def test_rgb_formats(fmt: str, options: dict[str, object], lossless: bool) -> None:
    xs, ys = np.meshgrid(np.arange(32) * 8, np.arange(24) * 10)
    smooth = np.dstack([xs, ys, np.full((24, 32), 90)]).astype(np.uint8)
    source = RGB if lossless else smooth
    decoded = decode_image(encode(source, fmt, **options), LIMITS)
    assert decoded.source_format == fmt
    assert decoded.pixels.shape == (24, 32, 3)
    assert decoded.pixels.dtype == np.uint8
    if lossless:
        assert np.array_equal(decoded.pixels, source)
    else:
        assert np.abs(decoded.pixels.astype(int) - source).mean() < 3


def frames(*colours: tuple[int, int, int]) -> list[Image.Image]:
    return [Image.new("RGB", (8, 6), c) for c in colours]


@pytest.mark.parametrize("fmt", ["GIF", "TIFF"])
def test_multi_frame_files_give_the_first_frame(fmt: str) -> None:
    first, *rest = frames((255, 0, 0), (0, 0, 255), (0, 255, 0))
    data = encode(first, fmt, save_all=True, append_images=rest)
    with Image.open(io.BytesIO(data)) as check:
        assert check.n_frames == 3  # the file really has several frames
    decoded = decode_image(data, LIMITS)
    assert decoded.pixels.shape == (6, 8, 3)
    assert (decoded.pixels == [255, 0, 0]).all()


def test_16_bit_grayscale_is_scaled_not_clipped() -> None:
    wide = np.array([[0, 257, 32768, 65535]], np.uint16)
    decoded = decode_image(encode(Image.fromarray(wide), "PNG"), LIMITS)
    assert decoded.pixels.shape == (1, 4, 1)
    assert decoded.pixels[0, :, 0].tolist() == [0, 1, 128, 255]


def test_cmyk_jpeg_colours() -> None:
    cmyk = Image.new("CMYK", (32, 16))
    colours = {(0, 255, 255, 0): (255, 0, 0), (255, 0, 255, 0): (0, 255, 0),
               (0, 0, 0, 0): (255, 255, 255), (0, 0, 0, 255): (0, 0, 0)}
    for i, ink in enumerate(colours):
        cmyk.paste(ink, (i * 8, 0, i * 8 + 8, 16))
    decoded = decode_image(encode(cmyk, "JPEG", quality=95), LIMITS)
    assert decoded.source_mode == "CMYK"
    for i, rgb in enumerate(colours.values()):
        block = decoded.pixels[4:12, i * 8 + 2:i * 8 + 6].reshape(-1, 3).astype(int)
        assert np.abs(block - rgb).max() <= 12, (rgb, block.mean(axis=0))


def quadrants() -> np.ndarray:
    """48 wide x 32 high: red, green on top; blue, white below."""
    image = np.zeros((32, 48, 3), np.uint8)
    image[:16, :24], image[:16, 24:] = (255, 0, 0), (0, 255, 0)
    image[16:, :24], image[16:, 24:] = (0, 0, 255), (255, 255, 255)
    return image


@pytest.mark.parametrize(("orientation", "turns"), [(6, -1), (3, 2), (8, 1)])
def test_exif_orientation_is_applied(orientation: int, turns: int) -> None:
    source = quadrants()
    exif = Image.Exif()
    exif[0x0112] = orientation
    data = encode(Image.fromarray(source), "JPEG", quality=95, exif=exif.tobytes())
    decoded = decode_image(data, LIMITS)
    expected = np.rot90(source, k=turns)  # 6: 90 degrees clockwise, 3: 180, 8: anticlockwise
    assert decoded.pixels.shape == expected.shape
    h, w = expected.shape[:2]
    for y in (h // 4, 3 * h // 4):
        for x in (w // 4, 3 * w // 4):
            assert np.abs(decoded.pixels[y, x].astype(int) - expected[y, x]).max() <= 10
    assert f"rotated by EXIF orientation {orientation}" in decoded.notes


def test_orientation_6_puts_the_left_edge_on_top() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6
    decoded = decode_image(encode(Image.fromarray(quadrants()), "JPEG", exif=exif.tobytes()),
                           LIMITS)
    assert decoded.pixels.shape == (48, 32, 3)  # was 48 wide, 32 high
    # Turned clockwise, the blue bottom-left quadrant is now top-left and red is top-right.
    assert decoded.pixels[5, 5, 2] > 200
    assert decoded.pixels[5, 5, 0] < 50
    assert decoded.pixels[5, 27, 0] > 200
    assert decoded.pixels[5, 27, 2] < 50


def test_transparency_is_composited_on_white() -> None:
    rgba = np.zeros((2, 3, 4), np.uint8)
    rgba[0, 0] = (0, 0, 0, 0)  # fully transparent: white
    rgba[0, 1] = (0, 0, 0, 255)  # opaque black stays black
    rgba[0, 2] = (0, 0, 0, 128)  # half-transparent black: mid grey
    rgba[1, :] = (200, 10, 20, 255)
    decoded = decode_image(encode(Image.fromarray(rgba, "RGBA"), "PNG"), LIMITS)
    assert decoded.pixels[0].tolist() == [[255, 255, 255], [0, 0, 0], [127, 127, 127]]
    assert (decoded.pixels[1] == (200, 10, 20)).all()
    assert "transparent areas composited on white" in decoded.notes


def test_palette_png_with_a_transparent_index() -> None:
    palette = Image.new("P", (4, 2), 0)
    palette.putpalette([9, 9, 9, 255, 0, 0] + [0] * 762)
    palette.paste(1, (2, 0, 4, 2))
    decoded = decode_image(encode(palette, "PNG", transparency=0), LIMITS)
    assert decoded.source_mode == "P"
    assert (decoded.pixels[:, :2] == 255).all()  # index 0 is transparent: white, not (9, 9, 9)
    assert (decoded.pixels[:, 2:] == (255, 0, 0)).all()


def test_la_stays_grayscale_and_is_composited() -> None:
    la = np.array([[[100, 255], [100, 0]]], np.uint8)
    decoded = decode_image(encode(Image.fromarray(la, "LA"), "PNG"), LIMITS)
    assert decoded.pixels.shape == (1, 2, 1)
    assert decoded.pixels[0, :, 0].tolist() == [100, 255]


def test_one_bit_images() -> None:
    bits = Image.new("1", (5, 3), 0)
    bits.putpixel((1, 1), 1)
    decoded = decode_image(encode(bits, "PNG"), LIMITS)
    expected = np.zeros((3, 5), np.uint8)
    expected[1, 1] = 255
    assert decoded.pixels.shape == (3, 5, 1)
    assert np.array_equal(decoded.pixels[..., 0], expected)


def test_grayscale_png_stays_one_channel() -> None:
    gray = noise(7, 9, 1, seed=4)
    decoded = decode_image(png(gray), LIMITS)
    assert np.array_equal(decoded.pixels, gray)


@pytest.fixture
def pixel_loads() -> Iterator[list[str]]:
    """Records every Pillow pixel decode (ImageFile.load), to prove refusals come first."""
    calls: list[str] = []
    original = ImageFile.ImageFile.load

    def spy(self: ImageFile.ImageFile) -> object:
        calls.append(self.format or "?")
        return original(self)

    ImageFile.ImageFile.load = spy  # type: ignore[method-assign]
    try:
        yield calls
    finally:
        ImageFile.ImageFile.load = original  # type: ignore[method-assign]


@pytest.mark.parametrize(("size", "limits", "words"), [
    ((100_000, 100_000), LIMITS, ["decompression bomb"]),
    ((5_000, 5_000), LIMITS, ["5000x5000 = 25.0 megapixels", "4.0 megapixels",
                              "CNNPG_MAX_IMAGE_PIXELS"]),
])
def test_bombs_are_refused_from_the_header(pixel_loads: list[str], size: tuple[int, int],
                                           limits: IntakeLimits, words: list[str]) -> None:
    data = png_header_only(*size)
    assert len(data) < 200
    with pytest.raises(TooLarge) as info:
        decode_image(data, limits)
    assert info.value.status == 413
    for word in words:
        assert word in info.value.msg
    assert pixel_loads == []


def test_the_spy_sees_ordinary_decodes(pixel_loads: list[str]) -> None:
    decode_image(png(RGB), LIMITS)
    assert pixel_loads
    assert set(pixel_loads) == {"PNG"}


def test_moderately_over_the_pixel_limit(pixel_loads: list[str]) -> None:
    with pytest.raises(TooLarge) as info:
        decode_image(png(noise(40, 40, 3)), IntakeLimits(max_bytes=10**6, max_pixels=1000))
    assert "40x40" in info.value.msg
    assert "0.0 megapixels" in info.value.msg
    assert pixel_loads == []
    assert decode_image(png(noise(25, 40, 3)), IntakeLimits(10**6, 1000)).width == 40


def test_over_max_bytes() -> None:
    data = png(noise(64, 64, 3))
    with pytest.raises(TooLarge) as info:
        decode_image(data, IntakeLimits(max_bytes=len(data) - 1, max_pixels=10**6))
    assert info.value.status == 413
    assert "upload limit" in info.value.msg
    assert "CNNPG_MAX_UPLOAD_BYTES" in info.value.msg
    assert decode_image(data, IntakeLimits(max_bytes=len(data), max_pixels=10**6)).width == 64


@pytest.mark.parametrize(("data", "what"), [
    (b"hello, this is a note\n", "a text file"),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "a PDF document"),
    (b"PK\x03\x04\x14\x00\x00\x00\x08\x00", "a zip archive"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"/>', "an SVG drawing"),
    (bytes(range(200, 256)) * 3, "a file of an unknown type"),
])
def test_non_images_are_415_listing_formats(data: bytes, what: str) -> None:
    with pytest.raises(UnsupportedMedia) as info:
        decode_image(data, LIMITS)
    assert info.value.status == 415
    assert what in info.value.msg
    assert FORMATS_TEXT in info.value.msg


def test_empty_file() -> None:
    with pytest.raises(InvalidInput) as info:
        decode_image(b"", LIMITS)
    assert info.value.status == 422
    assert "empty" in info.value.msg
    assert info.value.loc == ["file"]


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP", "GIF", "BMP", "TIFF"])
def test_truncated_files_are_422(fmt: str) -> None:
    data = encode(Image.fromarray(RGB), fmt)
    for cut in (len(data) // 2, 40):
        with pytest.raises(PlaygroundError) as info:
            decode_image(data[:cut], LIMITS)
        assert info.value.status == 422, info.value.msg
        assert fmt in info.value.msg
        assert ("corrupt" in info.value.msg)


def test_corrupt_jpeg_body() -> None:
    data = encode(Image.fromarray(RGB), "JPEG")
    scan = data.index(b"\xff\xda")
    with pytest.raises(InvalidInput) as info:  # no entropy-coded data at all
        decode_image(data[:scan] + b"\x00" * 64, LIMITS)
    assert "JPEG" in info.value.msg
    assert "re-export" in info.value.msg
    # Garbage entropy data is decoded as garbage (as browsers do), never a crash.
    noise_body = bytes(np.random.default_rng(0).integers(0, 255, len(data) - scan - 20,
                                                         dtype=np.uint8))
    decoded = decode_image(data[:scan + 20] + noise_body, LIMITS)
    assert decoded.pixels.shape == RGB.shape
