"""The run's window into the network: emits activations, filters, the probe's prediction
(about once per `interval` seconds and whenever asked) and sample predictions per epoch,
and keeps the replay points (server/training/history.py)."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import torch

from server.errors import InvalidInput
from server.nn.build import Network
from server.training.data import Prepared, image_to_input
from server.training.history import History, weight_bytes
from server.training.loop import Emit
from server.training.probes import activations, filters, samples


class Watcher:
    def __init__(self, data: Prepared, classes: list[str], layer_types: list[str], emit: Emit,
                 interval: float = 1.0, history: History | None = None):
        self.data, self.classes, self.layer_types = data, classes, layer_types
        self.emit, self.interval, self.history = emit, interval, history
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
        for event in self.frames(model, device).values():
            self.emit(event)

    def frames(self, model: Network, device: torch.device) -> dict[str, dict[str, Any]]:
        """The probe's activations, the filters and the probe's prediction, now."""
        (blocks, data), logits = activations(model, self.layer_types, self.probe_x.to(device))
        (conv_blocks, conv_data), norms = filters(model, self.layer_types)
        probabilities = torch.softmax(logits.float(), dim=0).cpu().tolist()
        return {"activations": {"type": "activations", "blocks": blocks, "bytes": len(data),
                                "data": data, "probe": self.probe},
                "filters": {"type": "filters", "blocks": conv_blocks, "bytes": len(conv_data),
                            "data": conv_data, "norms": norms},
                "prediction": {"type": "prediction", "probe": self.probe,
                               "true_label": self.true_label, "probabilities": probabilities,
                               "classes": self.classes}}

    def start(self, model: Network, device: torch.device, steps_per_epoch: int,
              epochs: int) -> None:
        """Plan the replay points (their size measured on the untrained network)."""
        if self.history is not None:
            sizes = self.frames(model, device)
            point = sizes["activations"]["bytes"] + sizes["filters"]["bytes"] + weight_bytes(
                model)
            self.history.start(steps_per_epoch, epochs, point)

    def at_step(self, model: Network, device: torch.device, step: int, epoch: int) -> None:
        """After each optimizer step: at a planned replay point, send its frames (marked
        with the point and step, so a viewer can tell them apart) and keep them."""
        number = None if self.history is None else self.history.due(step)
        if number is None or self.history is None:
            return
        self.last = time.perf_counter()
        frames = self.frames(model, device)
        for event in frames.values():
            event.update(point=number, step=step, epoch=epoch,
                         epochs_done=self.history.done(step))
            self.emit(event)
        self.history.keep(step, epoch, frames, model)

    def epoch(self, logits: torch.Tensor) -> None:
        """After validation: `logits` are the validation set's, in order."""
        if len(self.data.val_y) == 0:
            return
        self.emit({"type": "samples", "classes": self.classes, "samples": samples(
            self.data.val_x, self.data.val_y, logits, self.data.preprocessing)})
