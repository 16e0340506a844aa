"""Dataset arrays -> normalized tensors that fit the network, a seeded validation split,
and augmentation on the device (one batched affine warp, no per-image Python)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import cv2
import numpy as np
import torch
from torch.nn import functional

from server.datasets.normalize import normalize
from server.datasets.registry import Preprocessing
from server.errors import InvalidInput
from server.nn.spec import NetworkSpec
from server.text.marks import translatable
from server.training.notes import Note
from server.training.spec import Augment

# Notes a run shows (pages write them from their type and ctx: notes_text.js).
GREY_TO_RGB = Note(translatable(
    "grayscale images are repeated into 3 channels for the RGB network"), "grey_to_rgb")
RGB_TO_GREY = Note(translatable(
    "colour images are converted to grayscale for the 1-channel network"), "rgb_to_grey")


@dataclass
class Prepared:
    train_x: torch.Tensor  # (N, C, H, W) float32, normalized
    train_y: torch.Tensor  # (N,) int64
    val_x: torch.Tensor
    val_y: torch.Tensor
    preprocessing: Preprocessing  # what prediction must apply (matches the network)
    notes: list[str] = field(default_factory=list)


def size_note(type_: str, size: str, to: str) -> Note:
    """The note on a size change: padded ("images_padded") or resized, "28x28" to "32x32"."""
    text = (f"{size} images are zero-padded to {to} (as LeNet-5 did with MNIST)"
            if type_ == "images_padded" else f"{size} images are resized to {to}")
    return Note(text, type_, size=size, to=to)


def adapt(images: np.ndarray, pre: Preprocessing, spec: NetworkSpec,
          notes: list[str]) -> tuple[np.ndarray, Preprocessing]:
    """Make (N, H, W, C) uint8 images match the network's input, or say why they cannot."""
    want = spec.input
    out = images
    channels = images.shape[3]
    mean, std = pre.mean, pre.std
    rule = pre.resize
    if want.channels != channels:
        if channels == 1 and want.channels == 3:
            out = np.repeat(out, 3, axis=3)
            mean, std = mean * 3, std * 3
            notes.append(GREY_TO_RGB)
        elif channels == 3 and want.channels == 1:
            out = np.stack([cv2.cvtColor(im, cv2.COLOR_RGB2GRAY) for im in out])[..., None]
            mean, std = (float(np.mean(mean)),), (float(np.mean(std)),)
            notes.append(RGB_TO_GREY)
        else:
            raise InvalidInput(
                f"the network takes {want.channels} channels but the dataset has {channels}; "
                f"set the network's input channels to {channels}", ["network", "input",
                                                                    "channels"],
                code="input_channels_mismatch",
                params={"network": want.channels, "dataset": channels})
    if (want.height, want.width) != out.shape[1:3]:
        h, w = out.shape[1:3]
        if max(want.height / h, want.width / w, h / want.height, w / want.width) > 4:
            raise InvalidInput(
                f"the network takes {want.height}x{want.width} images but the dataset's are "
                f"{h}x{w}; set the network's input to {h}x{w}", ["network", "input", "height"],
                code="input_size_mismatch",
                params={"network": f"{want.height}x{want.width}", "dataset": f"{h}x{w}"})
        grow_h, grow_w = want.height - h, want.width - w
        if grow_h == grow_w and 0 < grow_h <= 8 and grow_h % 2 == 0:
            pad, rule = grow_h // 2, "center_pad"
            out = np.pad(out, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
            notes.append(size_note("images_padded", f"{h}x{w}", f"{want.height}x{want.width}"))
        else:
            out = np.stack([cv2.resize(im, (want.width, want.height),
                                       interpolation=cv2.INTER_AREA) for im in out])
            out = out.reshape(len(out), want.height, want.width, -1)
            rule = "resize"
            notes.append(size_note("images_resized", f"{h}x{w}", f"{want.height}x{want.width}"))
    # Content keeps its size in pixels when the frame is padded around it.
    fraction = pre.content_fraction * (pre.height / want.height if rule == "center_pad" else 1)
    adapted = Preprocessing(want.channels, want.height, want.width, tuple(mean), tuple(std),
                            pre.scale, rule, pre.background, pre.content, fraction)
    return out, adapted


def to_tensor(images: np.ndarray, pre: Preprocessing) -> torch.Tensor:
    """(N, H, W, C) uint8 -> (N, C, H, W) float32: scale, then per-channel mean and std."""
    # A private copy: arrays read from files are read-only, which torch warns about.
    x = torch.from_numpy(np.array(images, copy=True)).permute(0, 3, 1, 2).float()
    x = x * pre.scale
    mean = torch.tensor(pre.mean).view(1, -1, 1, 1)
    std = torch.tensor(pre.std).view(1, -1, 1, 1)
    return ((x - mean) / std).contiguous()


def prepare(images: np.ndarray, labels: np.ndarray, pre: Preprocessing, spec: NetworkSpec,
            validation_split: float, seed: int, stratify: bool = False) -> Prepared:
    """stratify: the validation split takes the same share of every class (a small
    dataset of your own could otherwise validate on one class only)."""
    notes: list[str] = []
    adapted, pre_out = adapt(images, pre, spec, notes)
    order = np.random.default_rng(seed).permutation(len(labels))
    if stratify:
        picked = [order[labels[order] == c] for c in np.unique(labels)]
        val = np.concatenate([m[:round(len(m) * validation_split)] for m in picked])
        train = np.concatenate([m[round(len(m) * validation_split):] for m in picked])
    else:
        n_val = round(len(labels) * validation_split)
        val, train = order[:n_val], order[n_val:]
    if len(train) == 0:
        raise InvalidInput("the validation split leaves no training images; lower it",
                           ["training", "validation_split"], code="validation_split_too_large")
    x = to_tensor(adapted, pre_out)
    y = torch.from_numpy(labels.astype(np.int64))
    return Prepared(x[train], y[train], x[val], y[val], pre_out, notes)


def augment_batch(x: torch.Tensor, aug: Augment, generator: torch.Generator) -> torch.Tensor:
    """Random flip / shift / rotation / scale of a batch (B, C, H, W) in one affine warp."""
    if not aug.active:
        return x
    b = x.shape[0]

    def uniform(limit: float) -> torch.Tensor:
        return (torch.rand(b, generator=generator) * 2 - 1) * limit

    angle = uniform(math.radians(aug.rotation))
    zoom = 1 + uniform(aug.scale)
    flip = torch.where(torch.rand(b, generator=generator) < 0.5, -1.0, 1.0) if (
        aug.horizontal_flip) else torch.ones(b)
    cos, sin = torch.cos(angle) / zoom, torch.sin(angle) / zoom
    theta = torch.stack([torch.stack([cos * flip, -sin, uniform(2 * aug.shift)], 1),
                         torch.stack([sin * flip, cos, uniform(2 * aug.shift)], 1)], 1)
    grid = functional.affine_grid(theta.to(x.device), list(x.shape), align_corners=False)
    # Outside the image is the normalized value of black (the padding of the dataset).
    background = x.amin(dim=(0, 2, 3), keepdim=True)
    warped = functional.grid_sample(x - background, grid, align_corners=False, padding_mode="zeros")
    return warped + background


def image_to_input(pixels: np.ndarray, pre: Preprocessing) -> torch.Tensor:
    """Any (H, W, C) uint8 image -> one normalized (1, C, H, W) input: channels converted
    (luma or repeated gray), resized to fit keeping the aspect ratio, centred on black."""
    image = pixels if pixels.ndim == 3 else pixels[..., None]
    if pre.resize in ("pad_border", "crop"):  # a dataset of your own: its own fit
        fitted = normalize(image, pre.height, pre.channels,
                           "pad" if pre.resize == "pad_border" else "crop")
        return to_tensor(fitted[None], pre)
    if image.shape[2] == 3 and pre.channels == 1:
        image = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)[..., None]
    elif image.shape[2] == 1 and pre.channels == 3:
        image = np.repeat(image, 3, axis=2)
    h, w = image.shape[:2]
    scale = min(pre.height / h, pre.width / w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    resized = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    resized = resized[..., None] if resized.ndim == 2 else resized
    canvas = np.zeros((pre.height, pre.width, pre.channels), dtype=np.uint8)
    top, left = (pre.height - size[1]) // 2, (pre.width - size[0]) // 2
    canvas[top:top + size[1], left:left + size[0]] = resized
    return to_tensor(canvas[None], pre)
