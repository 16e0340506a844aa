"""What a run shows of its insides: activations of every layer for one probe image, the
conv filters, weight and gradient norms, the probe's softmax, and sample predictions.

Arrays travel as uint8 blocks quantized over their own range (see docs/protocol.md):
every LeNet layer for one probe costs well under a millisecond, so streaming them about
once a second is invisible in the training throughput.
"""

from __future__ import annotations

import base64
from typing import Any

import cv2
import numpy as np
import torch
from torch import nn

from server.datasets.registry import Preprocessing
from server.nn.build import Network

Blocks = tuple[list[dict[str, Any]], bytes]


def quantize(values: np.ndarray, symmetric: bool = False) -> tuple[bytes, float, float]:
    """float array -> (uint8 bytes, min, max); symmetric puts zero at 127.5."""
    lo, hi = float(values.min(initial=0.0)), float(values.max(initial=0.0))
    if symmetric:
        hi = max(abs(lo), abs(hi))
        lo = -hi
    span = (hi - lo) or 1.0
    data = np.clip(np.rint((values - lo) * (255.0 / span)), 0, 255).astype(np.uint8)
    return data.tobytes(), lo, hi


def pack(arrays: list[tuple[int, str, np.ndarray]], symmetric: bool = False) -> Blocks:
    blocks, chunks, offset = [], [], 0
    for index, layer, values in arrays:
        data, lo, hi = quantize(values, symmetric)
        blocks.append({"index": index, "layer": layer, "shape": list(values.shape),
                       "offset": offset, "length": len(data), "min": lo, "max": hi})
        chunks.append(data)
        offset += len(data)
    return blocks, b"".join(chunks)


@torch.no_grad()
def activations(model: Network, layer_types: list[str], probe: torch.Tensor) -> tuple[
        Blocks, torch.Tensor]:
    """Every layer's output for one image (1, C, H, W); also returns the logits."""
    outputs: list[np.ndarray] = []
    was_training = model.training
    model.eval()
    x = probe
    for layer in model.layers:
        x = layer(x)
        outputs.append(x[0].detach().float().cpu().numpy())
    logits = model.logits(probe)
    model.train(was_training)
    return pack([(i, t, o) for i, (t, o) in enumerate(zip(layer_types, outputs, strict=True))]), \
        logits[0]


def filters(model: Network, layer_types: list[str]) -> tuple[Blocks, list[dict[str, Any]]]:
    """Conv weights [F, C, kh, kw] of plain conv layers, and per-layer weight/grad norms."""
    convs, norms = [], []
    for index, (layer, kind) in enumerate(zip(model.layers, layer_types, strict=True)):
        params = [p for p in layer.parameters() if p.requires_grad]
        if not params:
            continue
        weight = torch.sqrt(sum((p.detach() ** 2).sum() for p in params))  # type: ignore[arg-type]
        grads = [p.grad for p in params if p.grad is not None]
        grad = torch.sqrt(sum((g ** 2).sum() for g in grads)) if grads else None  # type: ignore[arg-type]
        norms.append({"index": index, "weight_norm": float(weight),
                      "grad_norm": float(grad) if grad is not None else None})
        conv = next((m for m in layer.modules() if isinstance(m, nn.Conv2d)), None)
        if kind == "conv2d" and conv is not None:
            convs.append((index, kind, conv.weight.detach().float().cpu().numpy()))
    return pack(convs, symmetric=True), norms


def to_png_data_url(x: torch.Tensor, pre: Preprocessing) -> str:
    """A normalized (C, H, W) tensor back to the picture it came from, as a PNG data URL."""
    mean = torch.tensor(pre.mean).view(-1, 1, 1)
    std = torch.tensor(pre.std).view(-1, 1, 1)
    pixels = ((x.cpu() * std + mean) / pre.scale).clamp(0, 255).round().to(torch.uint8)
    array = pixels.permute(1, 2, 0).numpy()
    if array.shape[2] == 3:
        array = cv2.cvtColor(array, cv2.COLOR_RGB2BGR)
    ok, buf = cv2.imencode(".png", array)
    return "data:image/png;base64," + base64.b64encode(bytes(buf)).decode() if ok else ""


def samples(x: torch.Tensor, y: torch.Tensor, logits: torch.Tensor, pre: Preprocessing,
            count: int = 12) -> list[dict[str, Any]]:
    """A few validation images with predictions, misclassified ones first."""
    probabilities = torch.softmax(logits.float(), dim=1).cpu()
    confidence, predicted = probabilities.max(dim=1)
    wrong = (predicted != y).nonzero().flatten().tolist()
    right = (predicted == y).nonzero().flatten().tolist()
    picks = (wrong[: count * 2 // 3] + right)[:count]
    return [{"index": i, "png": to_png_data_url(x[i], pre), "true_label": int(y[i]),
             "predicted": int(predicted[i]), "confidence": float(confidence[i])}
            for i in picks]
