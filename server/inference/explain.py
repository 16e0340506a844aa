"""What the model looks at (a saliency map) and what each layer makes of the image.

Both are approximations, and the answers say so: Grad-CAM shows where the last
convolutional layer's features that raise the top class's score are, at that layer's
coarse resolution; gradient x input shows which pixels would change the score most, to
first order. Neither proves why the model decided what it did.
"""

from __future__ import annotations

import base64
import math
from typing import Any

import cv2
import numpy as np
import torch

from server.inference.predictor import Loaded

GRID_CHANNELS = 16  # channel maps shown per layer
VALUES_SHOWN = 64  # values of a 1-D layer returned

GRAD_CAM_NOTE = ("Grad-CAM on layer {index} ({type}, {h}x{w}): where the features that raise "
                 "the score of '{label}' are, upsampled from {h}x{w}. An approximation of what "
                 "the model looks at, not a proof of why it decided.")
GRADIENT_NOTE = ("gradient x input: how much each pixel, as it is, pushes the score of "
                 "'{label}' (first-order, so an approximation of what the model looks at).")


def png_data_url(pixels: np.ndarray) -> str:
    """(H, W), (H, W, 3) RGB or (H, W, 4) RGBA uint8 -> a PNG data URL."""
    if pixels.ndim == 3 and pixels.shape[2] == 3:
        pixels = cv2.cvtColor(pixels, cv2.COLOR_RGB2BGR)
    elif pixels.ndim == 3 and pixels.shape[2] == 4:
        pixels = cv2.cvtColor(pixels, cv2.COLOR_RGBA2BGRA)
    elif pixels.ndim == 3:
        pixels = pixels[..., 0]
    ok, buffer = cv2.imencode(".png", np.ascontiguousarray(pixels))
    if not ok:  # pragma: no cover - OpenCV encodes any uint8 array
        raise RuntimeError("PNG encoding failed")
    return "data:image/png;base64," + base64.b64encode(bytes(buffer)).decode()


def _saliency_layer(outputs: list[torch.Tensor]) -> int | None:
    """The last layer whose output is still a spatial map larger than 1x1."""
    spatial = [i for i, out in enumerate(outputs) if out.dim() == 4 and out.shape[2:].numel() > 1]
    return spatial[-1] if spatial else None


def _normalize(heat: np.ndarray) -> np.ndarray:
    top = float(heat.max())
    return heat / top if top > 0 else np.zeros_like(heat)


def _overlay(input_pixels: np.ndarray, heat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Heat (H, W) in 0..1 -> (the coloured heatmap RGBA, the heat blended over the input).
    Colours from cividis, which reads the same for the common colour-vision deficiencies."""
    colours = cv2.applyColorMap((heat * 255).astype(np.uint8), cv2.COLORMAP_CIVIDIS)
    colours = cv2.cvtColor(colours, cv2.COLOR_BGR2RGB)
    alpha = (heat * 255).astype(np.uint8)[..., None]
    heatmap = np.concatenate([colours, alpha], axis=2)
    base = input_pixels if input_pixels.shape[2] == 3 else np.repeat(input_pixels, 3, axis=2)
    weight = 0.35 + 0.65 * heat[..., None]
    blend = base.astype(np.float32) * (1 - 0.6 * weight) + colours.astype(np.float32) * (
        0.6 * weight)
    return heatmap, np.clip(blend, 0, 255).astype(np.uint8)


def explain(loaded: Loaded, x: torch.Tensor, input_pixels: np.ndarray,
            class_index: int) -> dict[str, Any]:
    """Saliency for class_index on one preprocessed input x (1, C, H, W)."""
    height, width = x.shape[2:]
    with torch.enable_grad():
        x = loaded.on_device(x).detach().clone().requires_grad_(True)
        outputs, logits = loaded.model.trace(x)
        score = logits[0, class_index]
        index = _saliency_layer(outputs[:-1])
        label = loaded.label(class_index)
        if index is not None:
            features = outputs[index]
            (gradient,) = torch.autograd.grad(score, features)
            weights = gradient[0].mean(dim=(1, 2), keepdim=True)
            cam = _normalize(torch.relu((weights * features[0]).sum(dim=0)).detach().cpu()
                             .numpy())
            heat = _normalize(cv2.resize(cam.astype(np.float32), (width, height),
                                         interpolation=cv2.INTER_LINEAR))
            h, w = cam.shape
            method = "grad_cam"
            note = GRAD_CAM_NOTE.format(index=index, type=loaded.spec.layers[index].type, h=h,
                                        w=w, label=label)
        else:
            (gradient,) = torch.autograd.grad(score, x)
            cam = _normalize(torch.relu(gradient[0] * x[0]).sum(dim=0).detach().cpu().numpy())
            heat = cam
            method, note = "gradient_x_input", GRADIENT_NOTE.format(label=label)
    heat = np.clip(np.nan_to_num(heat.astype(np.float32)), 0, 1)
    heatmap, overlay = _overlay(input_pixels, heat)
    return {"method": method, "class_index": class_index, "label": label,
            "layer": index, "heatmap_png": png_data_url(heatmap),
            "overlay_png": png_data_url(overlay), "note": note,
            # The map at its own resolution (the layer's for Grad-CAM), 0..1.
            "values": np.round(np.nan_to_num(cam), 4).tolist()}


def _grid(maps: np.ndarray) -> np.ndarray:
    """(K, h, w) floats -> one grayscale image: the maps side by side, each scaled to its
    own range (a map that is all one value is mid-grey), with 1-pixel gaps."""
    k, h, w = maps.shape
    columns = math.ceil(math.sqrt(k))
    rows = math.ceil(k / columns)
    grid = np.full((rows * (h + 1) - 1, columns * (w + 1) - 1), 255, dtype=np.uint8)
    for i, m in enumerate(maps):
        low, high = float(m.min()), float(m.max())
        scaled = (m - low) / (high - low) * 255 if high > low else np.full_like(m, 128)
        r, c = divmod(i, columns)
        grid[r * (h + 1):r * (h + 1) + h, c * (w + 1):c * (w + 1) + w] = scaled.astype(np.uint8)
    return grid


def activations(loaded: Loaded, x: torch.Tensor) -> list[dict[str, Any]]:
    """Per layer: type, shape, mean, max, share of zeros, and a picture or the values."""
    with torch.inference_mode():
        outputs, _ = loaded.model.trace(loaded.on_device(x))
    summaries = []
    for index, (layer, out) in enumerate(zip(loaded.spec.layers, outputs, strict=True)):
        values = out[0].float().cpu()
        finite = torch.nan_to_num(values)
        summary: dict[str, Any] = {
            "index": index, "type": layer.type, "shape": list(values.shape),
            "mean": float(finite.mean()), "max": float(finite.max()),
            "fraction_zero": float((values == 0).float().mean()), "png": None, "values": None,
            "channels_shown": 0}
        if values.dim() == 3:
            shown = finite[:GRID_CHANNELS].numpy()
            summary["png"] = png_data_url(_grid(shown))
            summary["channels_shown"] = len(shown)
        else:
            summary["values"] = [round(float(v), 5) for v in finite.flatten()[:VALUES_SHOWN]]
        summaries.append(summary)
    return summaries
