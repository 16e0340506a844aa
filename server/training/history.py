"""A run's history, for replay: the probe's activations, the filters, the probe's softmax and
the weights at a bounded number of points (log-spaced steps early in the first epoch, where
filters change fastest, and the end of every epoch), within a byte budget per run
(CNNPG_RUN_HISTORY_BYTES).

A point's size is known before the run starts (the frames of one probe and the weights have
fixed shapes), so the plan fits the budget from the start: when the candidate steps do not
fit, evenly spaced ones are kept, the last always among them. At a planned step the watcher
sends the point's frames live (marked with `point` and `step`), and the same frames and a
copy of the weights are kept here; saved with the model (history.json, history.bin and
history.safetensors beside its weights), a stored model can be replayed and any point forked.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import torch
from safetensors.torch import save as save_tensors

JSON_BYTES = 2048  # what a point's description takes, about
SKIP = ("data", "type", "point", "step", "epoch", "epochs_done")  # said once per point


def candidates(steps_per_epoch: int, epochs: int) -> list[int]:
    """Steps 1, 2, 4, 8, ... inside the first epoch, then every epoch's last step."""
    early, step = [], 1
    while step < steps_per_epoch:
        early.append(step)
        step *= 2
    return sorted(set(early) | {steps_per_epoch * e for e in range(1, epochs + 1)})


def plan(steps: list[int], point_bytes: int, budget: int) -> list[int]:
    """The steps to keep: all when they fit, else evenly spaced ones, the last included."""
    fits = budget // max(point_bytes, 1)
    if fits >= len(steps):
        return steps
    if fits <= 0:
        return []
    if fits == 1:
        return steps[-1:]
    last = len(steps) - 1
    return [steps[round(i * last / (fits - 1))] for i in range(fits)]


def weight_bytes(model: torch.nn.Module) -> int:
    return sum(t.numel() * t.element_size() for t in model.state_dict().values())


@dataclass
class History:
    budget: int
    steps: list[int] = field(default_factory=list)  # the plan
    steps_per_epoch: int = 1
    points: list[dict[str, Any]] = field(default_factory=list)
    frames: list[bytes] = field(default_factory=list)  # activations then filters, per point
    weights: dict[str, torch.Tensor] = field(default_factory=dict)

    def start(self, steps_per_epoch: int, epochs: int, point_bytes: int) -> str | None:
        """Plan the points; a note for the run when the budget holds fewer than planned."""
        self.steps_per_epoch = steps_per_epoch
        wanted = candidates(steps_per_epoch, epochs)
        self.steps = plan(wanted, point_bytes + JSON_BYTES, self.budget)
        if len(self.steps) == len(wanted):
            return None
        return (f"replay keeps {len(self.steps)} of {len(wanted)} points: each takes "
                f"{point_bytes / 1024:.0f} KB and the budget is {self.budget / 1024:.0f} KB "
                "(CNNPG_RUN_HISTORY_BYTES)")

    def due(self, step: int) -> int | None:
        """The point number a step is planned as, or None."""
        return len(self.points) if len(self.points) < len(self.steps) and (
            self.steps[len(self.points)] == step) else None

    def done(self, step: int) -> int:
        """Epochs complete at `step` (an epoch's last step completes it: its evaluation,
        right after, is the one shown with the point)."""
        return step // self.steps_per_epoch

    def keep(self, step: int, epoch: int, frames: dict[str, dict[str, Any]],
             model: torch.nn.Module) -> None:
        """A point: the frames just sent (activations, filters, prediction) and the weights."""
        number, offset = len(self.points), sum(len(f) for f in self.frames)
        point: dict[str, Any] = {"point": number, "step": step, "epoch": epoch,
                                 "epochs_done": self.done(step)}
        for kind in ("activations", "filters"):
            event = frames[kind]
            data: bytes = event["data"]
            point[kind] = {k: v for k, v in event.items() if k not in SKIP} | {
                "offset": offset, "length": len(data)}
            self.frames.append(data)
            offset += len(data)
        point["prediction"] = {k: v for k, v in frames["prediction"].items() if k not in SKIP}
        self.points.append(point)
        for name, tensor in model.state_dict().items():
            self.weights[f"{number}/{name}"] = tensor.detach().to("cpu", copy=True).contiguous()

    def state(self, number: int) -> dict[str, torch.Tensor]:
        """The weights kept at point `number` (a state dict)."""
        prefix = f"{number}/"
        return {k[len(prefix):]: v for k, v in self.weights.items() if k.startswith(prefix)}

    def files(self) -> dict[str, bytes]:
        """What is saved beside the model's weights (none when no point was kept)."""
        if not self.points:
            return {}
        meta = {"version": 1, "budget_bytes": self.budget, "points": self.points}
        return {"history.json": json.dumps(meta).encode(), "history.bin": b"".join(self.frames),
                "history.safetensors": save_tensors(self.weights)}
