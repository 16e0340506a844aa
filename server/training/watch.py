"""The run's window into the network: emits activations, filters, the probe's prediction
(about once per `interval` seconds and whenever asked) and sample predictions per epoch."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import torch

from server.errors import InvalidInput
from server.nn.build import Network
from server.training.data import Prepared, image_to_input
from server.training.loop import Emit
from server.training.probes import activations, filters, samples


class Watcher:
    def __init__(self, data: Prepared, classes: list[str], layer_types: list[str], emit: Emit,
                 interval: float = 1.0):
        self.data, self.classes, self.layer_types = data, classes, layer_types
        self.emit, self.interval = emit, interval
        self.last = -float("inf")
        self.pool_x, self.pool_y = (data.val_x, data.val_y) if len(data.val_y) else (
            data.train_x, data.train_y)
        self.probe_x = self.pool_x[:1]
        self.probe: dict[str, Any] = {"index": 0}
        self.true_label: int | None = int(self.pool_y[0])

    def set_probe(self, command: dict[str, Any]) -> None:
        """{"op": "probe", "index": i} or {"op": "probe", "pixels": (H, W, C) uint8, ...}."""
        if "pixels" in command:
            pixels = np.asarray(command["pixels"], dtype=np.uint8)
            self.probe_x = image_to_input(pixels, self.data.preprocessing)
            self.probe, self.true_label = {"image_id": command.get("image_id")}, None
        else:
            index = int(command.get("index", 0))
            if not 0 <= index < len(self.pool_y):
                raise InvalidInput(f"probe index {index} is outside 0..{len(self.pool_y) - 1}",
                                   ["index"])
            self.probe_x = self.pool_x[index:index + 1]
            self.probe, self.true_label = {"index": index}, int(self.pool_y[index])
        self.last = -float("inf")  # show the new probe at once

    def maybe(self, model: Network, device: torch.device, force: bool = False) -> None:
        now = time.perf_counter()
        if not force and now - self.last < self.interval:
            return
        self.last = now
        (blocks, data), logits = activations(model, self.layer_types, self.probe_x.to(device))
        self.emit({"type": "activations", "blocks": blocks, "bytes": len(data), "data": data,
                   "probe": self.probe})
        (conv_blocks, conv_data), norms = filters(model, self.layer_types)
        self.emit({"type": "filters", "blocks": conv_blocks, "bytes": len(conv_data),
                   "data": conv_data, "norms": norms})
        probabilities = torch.softmax(logits.float(), dim=0).cpu().tolist()
        self.emit({"type": "prediction", "probe": self.probe, "true_label": self.true_label,
                   "probabilities": probabilities, "classes": self.classes})

    def epoch(self, logits: torch.Tensor) -> None:
        """After validation: `logits` are the validation set's, in order."""
        if len(self.data.val_y) == 0:
            return
        self.emit({"type": "samples", "classes": self.classes, "samples": samples(
            self.data.val_x, self.data.val_y, logits, self.data.preprocessing)})
