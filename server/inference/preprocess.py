"""A user's image -> the tensor a model expects, by the model's own stored preprocessing.

Training images were already the network's size; a user's photo is not. The steps make it
look like a training image: channels converted, dark ink on light paper inverted for
datasets of light strokes on black (MNIST), the content cropped and placed the way the
dataset placed it (MNIST: 20x20 box centred by mass in 28x28), then scaled and normalized
exactly as in training. Every step taken is listed in the answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
import torch

from server.datasets.normalize import normalize
from server.datasets.registry import KNOWN, Preprocessing
from server.imaging.fit import fit_geometry, letterbox, resize
from server.training.data import to_tensor

# A pixel belongs to the content when it is this far above the background (0..255).
CONTENT_THRESHOLD = 40
LEVELS_BACKGROUND, LEVELS_BRIGHT = 10, 160


@dataclass(frozen=True)
class PreparedInput:
    tensor: torch.Tensor  # (1, C, H, W) float32, normalized
    pixels: np.ndarray  # (H, W, C) uint8: what the model sees, before normalization
    steps: list[str]
    inverted: bool


def from_manifest(described: dict[str, Any], dataset: str | None = None) -> Preprocessing:
    """The Preprocessing stored in a manifest. Models saved before a field existed get the
    dataset's value for it (or the default, for datasets unknown here)."""
    known = KNOWN[dataset].preprocessing if dataset in KNOWN else Preprocessing(1, 1, 1, (), ())
    fraction = known.content_fraction * (
        known.height / int(described["height"]) if described.get("resize") == "center_pad"
        else 1)
    return Preprocessing(
        channels=int(described["channels"]), height=int(described["height"]),
        width=int(described["width"]), mean=tuple(float(v) for v in described["mean"]),
        std=tuple(float(v) for v in described["std"]),
        scale=float(described.get("scale", 1 / 255)),
        resize=str(described.get("resize", "fit_pad")),
        background=str(described.get("background", known.background)),
        content=str(described.get("content", known.content)),
        content_fraction=float(described.get("content_fraction", fraction)))


def _channels(image: np.ndarray, want: int, steps: list[str]) -> np.ndarray:
    if image.shape[2] == 3 and want == 1:
        steps.append("converted to grayscale (luma)")
        return cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)[..., None]
    if image.shape[2] == 1 and want == 3:
        steps.append("grayscale repeated into 3 channels")
        return np.repeat(image, 3, axis=2)
    return image


def _border_level(gray: np.ndarray) -> float:
    """The median of the outermost pixels: the background, for photos of a thing on paper."""
    edge = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    return float(np.median(edge))


def _levels(image: np.ndarray, pre: Preprocessing, steps: list[str]) -> tuple[np.ndarray, bool]:
    """Light-on-dark datasets: invert a light background, then stretch to black..white."""
    gray = image.mean(axis=2) if image.shape[2] > 1 else image[..., 0]
    inverted = _border_level(gray) > 127
    if inverted:
        image = 255 - image
        steps.append("inverted (dark on light -> light on dark, as in the training images)")
    low = _border_level(image.mean(axis=2) if image.shape[2] > 1 else image[..., 0])
    high = float(image.max())
    # Only a background that is clearly not black or content that is clearly not bright
    # (a grey photo of paper); training images themselves are left exactly as they are.
    if high - low >= 8 and (low > LEVELS_BACKGROUND or high < LEVELS_BRIGHT):
        stretched = (image.astype(np.float32) - low) * (255 / (high - low))
        image = np.clip(stretched, 0, 255).round().astype(np.uint8)
        steps.append(f"levels stretched: background {low:.0f} -> 0, brightest {high:.0f} -> 255")
    return image, inverted


def _crop_to_content(image: np.ndarray, steps: list[str]) -> np.ndarray:
    gray = image.max(axis=2)
    rows = np.flatnonzero((gray > CONTENT_THRESHOLD).any(axis=1))
    cols = np.flatnonzero((gray > CONTENT_THRESHOLD).any(axis=0))
    if rows.size == 0:
        steps.append("no content found above the background: the whole image is used")
        return image
    top, bottom, left, right = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    if (bottom - top, right - left) != image.shape[:2]:
        steps.append(f"cropped to the content ({right - left}x{bottom - top} pixels)")
    return image[top:bottom, left:right]


def _place(content: np.ndarray, pre: Preprocessing, by_mass: bool,
           steps: list[str]) -> np.ndarray:
    """Scale the content's long side to content_fraction of the frame and centre it."""
    h, w = content.shape[:2]
    box_h, box_w = pre.height * pre.content_fraction, pre.width * pre.content_fraction
    scale = min(box_h / h, box_w / w)
    size_w, size_h = max(1, round(w * scale)), max(1, round(h * scale))
    small = resize(content, size_w, size_h)
    canvas = np.zeros((pre.height, pre.width, content.shape[2]), dtype=np.uint8)
    top, left = (pre.height - size_h) / 2, (pre.width - size_w) / 2
    if by_mass:
        weights = small.astype(np.float64).sum(axis=2)
        total = weights.sum()
        if total > 0:
            ys, xs = np.indices(weights.shape)
            top = pre.height / 2 - float((ys * weights).sum() / total) - 0.5
            left = pre.width / 2 - float((xs * weights).sum() / total) - 0.5
    top_i = int(np.clip(round(top), 0, pre.height - size_h))
    left_i = int(np.clip(round(left), 0, pre.width - size_w))
    canvas[top_i:top_i + size_h, left_i:left_i + size_w] = small
    how = "centred by its centre of mass" if by_mass else "centred"
    steps.append(f"scaled to {size_w}x{size_h} and {how} in {pre.width}x{pre.height} on black")
    return canvas


def _fit_pad(image: np.ndarray, pre: Preprocessing, steps: list[str]) -> np.ndarray:
    h, w = image.shape[:2]
    if (h, w) == (pre.height, pre.width):
        return image
    size_w, size_h, _, _ = fit_geometry(h, w, pre.height, pre.width)
    padded = " and padded with black" if (size_h, size_w) != (pre.height, pre.width) else ""
    steps.append(f"resized from {w}x{h} to {size_w}x{size_h} keeping the aspect "
                 f"ratio{padded} to {pre.width}x{pre.height}")
    return letterbox(image, pre.height, pre.width)


def prepare(pixels: np.ndarray, pre: Preprocessing) -> PreparedInput:
    """(H, W, C) uint8 -> the model's (1, C, H, W) input and the steps taken."""
    steps: list[str] = []
    image = _channels(pixels if pixels.ndim == 3 else pixels[..., None], pre.channels, steps)
    inverted = False
    if pre.background == "dark":
        image, inverted = _levels(image, pre, steps)
    if image.shape[:2] == (pre.height, pre.width) and not inverted:
        steps.append(f"already {pre.width}x{pre.height}: used as it is")
    elif pre.resize in ("pad_border", "crop"):  # a dataset of your own: its own fit
        image = normalize(image, pre.height, pre.channels,
                          "pad" if pre.resize == "pad_border" else "crop")
        how = "padded with its border colour" if pre.resize == "pad_border" else "cropped"
        steps.append(f"{how} to a square and resized to {pre.width}x{pre.height}, as your "
                     "dataset's pictures were")
    elif pre.content in ("digit", "object"):
        image = _place(_crop_to_content(image, steps), pre, pre.content == "digit", steps)
    else:
        image = _fit_pad(image, pre, steps)
    image = np.ascontiguousarray(image)
    steps.append(_scaling_step(pre))
    return PreparedInput(to_tensor(image[None], pre), image, steps, inverted)


def _levels_needed(pixels: np.ndarray, pre: Preprocessing) -> np.ndarray:
    """(N, H, W, C) uint8 at the model's size -> which images prepare() would invert or
    stretch (light-on-dark datasets only): those cannot be scaled and normalized together."""
    if pre.background != "dark":
        return np.zeros(len(pixels), dtype=bool)
    gray = pixels.mean(axis=3) if pixels.shape[3] > 1 else pixels[..., 0]
    edges = np.concatenate([gray[:, 0], gray[:, -1], gray[:, :, 0], gray[:, :, -1]], axis=1)
    low = np.median(edges, axis=1)
    high = pixels.reshape(len(pixels), -1).max(axis=1).astype(np.float64)
    stretched = (high - low >= 8) & ((low > LEVELS_BACKGROUND) | (high < LEVELS_BRIGHT))
    needed: np.ndarray = (low > 127) | stretched
    return needed


def prepare_at_size(pixels: np.ndarray, pre: Preprocessing) -> torch.Tensor:
    """(N, H, W, C) uint8 already at the model's size and channels -> (N, C, H, W), each
    image exactly as prepare() makes it. Those prepare() uses as they are (the usual case)
    are scaled and normalized together; the others (light-on-dark datasets: a light
    background to invert, a grey one to stretch) go through prepare() one by one."""
    x = _scaled(pixels, pre)
    for i in np.flatnonzero(_levels_needed(pixels, pre)):
        x[i] = prepare(pixels[i], pre).tensor[0]
    return x


def prepare_many(images: list[np.ndarray], pre: Preprocessing
                 ) -> tuple[torch.Tensor, list[list[str]]]:
    """Decoded images of any sizes -> the (N, C, H, W) batch and each image's steps, equal
    to prepare() image by image. Those already at the model's size and channels that
    prepare() would use as they are are scaled and normalized in one go (the per-image
    Python work of prepare() costs more than the arithmetic for small images)."""
    shape = (pre.height, pre.width, pre.channels)
    steps: list[list[str]] = [[] for _ in images]
    at_size = [i for i, image in enumerate(images) if image.shape == shape]
    x = torch.empty((len(images), pre.channels, pre.height, pre.width))
    rest = set(range(len(images))) - set(at_size)
    if at_size:
        stacked = np.stack([images[i] for i in at_size])
        scaled = _scaled(stacked, pre)
        if not rest:
            x = scaled
        else:
            for row, i in zip(scaled, at_size, strict=True):
                x[i] = row  # one image at a time: below torch's threading grain
        as_they_are = [f"already {pre.width}x{pre.height}: used as it is",
                       _scaling_step(pre)]
        for i in at_size:
            steps[i] = list(as_they_are)
        rest.update(at_size[j] for j in np.flatnonzero(_levels_needed(stacked, pre)))
    for i in sorted(rest):
        prepared = prepare(images[i], pre)
        x[i], steps[i] = prepared.tensor[0], prepared.steps
    return x, steps


def _scaled(pixels: np.ndarray, pre: Preprocessing) -> torch.Tensor:
    """(N, H, W, C) uint8 -> (N, C, H, W) float32, bit for bit what to_tensor() gives, in
    NumPy: torch's intra-op threads stall for tens of ms on such small tensors when the
    cores are busy with other work (measured: 25 ms against 0.2 ms for 64 MNIST digits)."""
    mean, std = np.asarray(pre.mean, np.float32), np.asarray(pre.std, np.float32)
    x = (pixels.astype(np.float32) * np.float32(pre.scale) - mean) / std
    return torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))


def _scaling_step(pre: Preprocessing) -> str:
    return (f"scaled by 1/{round(1 / pre.scale)} and normalized with mean "
            f"{_numbers(pre.mean)} and std {_numbers(pre.std)}")


def _numbers(values: tuple[float, ...]) -> str:
    return "/".join(f"{v:g}" for v in values)


def describe(pre: Preprocessing, prepared: PreparedInput) -> dict[str, Any]:
    return {**pre.describe(), "inverted": prepared.inverted, "steps": prepared.steps}
