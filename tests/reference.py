"""Independent reference implementations (torch, SciPy, plain NumPy) for the engine tests."""

from __future__ import annotations

import cv2
import numpy as np
import torch
import torch.nn.functional as F  # noqa: N812  - the conventional name
from scipy import ndimage

from server.kernels.library import KERNELS, NamedKernel

TORCH_PAD = {"zero": "constant", "reflect": "reflect", "replicate": "replicate",
             "circular": "circular"}
SCIPY_MODE = {"zero": "constant", "reflect": "mirror", "replicate": "nearest", "circular": "wrap"}


def pads(kh: int, kw: int, padding: str, amount: str | int, dilation: int) -> tuple[int, ...]:
    """(left, right, top, bottom) in F.pad order; 'same' puts the extra row/column at the end."""
    eh, ew = (kh - 1) * dilation + 1, (kw - 1) * dilation + 1
    if padding == "none":
        return (0, 0, 0, 0)
    if amount == "same":
        return ((ew - 1) // 2, ew - 1 - (ew - 1) // 2, (eh - 1) // 2, eh - 1 - (eh - 1) // 2)
    return (int(amount),) * 4


def torch_filter(image: np.ndarray, kernel: np.ndarray, *, padding: str = "zero",
                 amount: str | int = "same", stride: int = 1, dilation: int = 1,
                 sum_channels: bool = False) -> np.ndarray:
    """Cross-correlate (H, W, C) with a (kh, kw) or (C, kh, kw) kernel using torch.conv2d.

    Each channel on its own (groups=C), or one C-channel filter summed over channels.
    Returns (H', W', C) or (H', W', 1), float64.
    """
    x = torch.from_numpy(np.ascontiguousarray(image.transpose(2, 0, 1), np.float64))[None]
    channels = x.shape[1]
    k = torch.from_numpy(np.array(kernel, np.float64))  # a copy: flipped views won't do
    kh, kw = k.shape[-2:]
    p = pads(kh, kw, padding, amount, dilation)
    if any(p):
        x = F.pad(x, p, mode=TORCH_PAD[padding])
    if sum_channels:
        w = (k if k.ndim == 3 else k.expand(channels, kh, kw))[None]
        out = F.conv2d(x, w, stride=stride, dilation=dilation)
    else:
        w = k.expand(channels, 1, kh, kw)
        out = F.conv2d(x, w, stride=stride, dilation=dilation, groups=channels)
    return out[0].permute(1, 2, 0).numpy()


def scipy_correlate(image: np.ndarray, kernel: np.ndarray, padding: str,
                    convolve: bool = False) -> np.ndarray:
    """Stride 1, 'same' size, odd kernel: scipy.ndimage per channel."""
    fn = ndimage.convolve if convolve else ndimage.correlate
    planes = [fn(image[..., c].astype(np.float64), np.asarray(kernel, np.float64),
                 mode=SCIPY_MODE[padding], cval=0.0) for c in range(image.shape[2])]
    return np.stack(planes, axis=2)


def scipy_rank(image: np.ndarray, op: str, size: int) -> np.ndarray:
    fn = {"median": ndimage.median_filter, "min": ndimage.minimum_filter,
          "max": ndimage.maximum_filter}[op]
    planes = [fn(image[..., c].astype(np.float64), size=size, mode="nearest")
              for c in range(image.shape[2])]
    return np.stack(planes, axis=2)


def bilateral_loop(image: np.ndarray, size: int, sigma_color: float,
                   sigma_space: float) -> np.ndarray:
    """The bilateral filter by its definition (Tomasi and Manduchi), as OpenCV documents it:
    a disc of radius size//2, Gaussian weights on distance and on the L1 colour difference,
    borders replicated."""
    r = size // 2
    height, width, channels = image.shape
    padded = np.pad(image.astype(np.float64), ((r, r), (r, r), (0, 0)), mode="edge")
    offsets = [(i, j) for i in range(-r, r + 1) for j in range(-r, r + 1) if i * i + j * j <= r * r]
    out = np.zeros((height, width, channels))
    for y in range(height):
        for x in range(width):
            centre = padded[y + r, x + r]
            num, den = np.zeros(channels), 0.0
            for i, j in offsets:
                v = padded[y + r + i, x + r + j]
                weight = np.exp(-(i * i + j * j) / (2 * sigma_space**2)) * np.exp(
                    -(np.abs(v - centre).sum() ** 2) / (2 * sigma_color**2))
                num += weight * v
                den += weight
            out[y, x] = num / den
    return out


def to_u8(values: np.ndarray, mapping: str) -> np.ndarray:
    """The documented output mappings, in NumPy (round half to even, then saturate)."""
    if mapping == "abs":
        values = np.abs(values)
    elif mapping == "offset":
        values = values + 128.0
    elif mapping == "normalize":
        lo, hi = values.min(), values.max()
        values = (values - lo) * (255.0 / (hi - lo)) if hi > lo else np.zeros_like(values)
    return np.clip(np.rint(values), 0, 255).astype(np.uint8)


def assert_pixels_match(got: np.ndarray, values: np.ndarray, mapping: str = "clip") -> None:
    """Exact wherever the reference is not within 0.01 of a rounding tie; off by 1 at most."""
    expected = to_u8(values, mapping)
    assert got.shape == expected.shape
    diff = np.abs(got.astype(int) - expected.astype(int))
    assert diff.max(initial=0) <= 1
    shifted = {"abs": np.abs(values), "offset": values + 128.0}.get(mapping, values)
    safe = np.abs(shifted - np.floor(shifted) - 0.5) > 0.01
    if mapping != "normalize":
        assert np.array_equal(got[safe], expected[safe])


def reference_kernels(entry: NamedKernel) -> list[np.ndarray]:
    """The weights a named kernel stands for, built without the library's helpers."""
    if entry.kind == "gradient_magnitude":
        assert entry.pair is not None
        return [k for name in entry.pair for k in reference_kernels(KERNELS[name])]
    if entry.name == "gaussian":
        g = cv2.getGaussianKernel(int(entry.params["size"]), entry.params["sigma"], cv2.CV_64F)
        return [g @ g.T]
    assert entry.matrix is not None
    return [np.array(entry.matrix, np.float64) * entry.scale.numerator / entry.scale.denominator]
