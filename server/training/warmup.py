"""Warming a worker: what a fresh process pays once, before any student waits on it.

On the H200 the first model a fresh process builds took 6.7 s to build and move to the GPU
and 1.5 s for its first step (CUDA libraries load lazily); the next LeNet 0.08 s and
0.005 s. So a worker maps the built-in datasets and takes one real training step on the
device before it takes work.
"""

from __future__ import annotations

import torch
from torch import nn

from server.datasets.registry import DatasetRegistry
from server.nn.build import build_model
from server.nn.presets import Presets
from server.training.data import prepare

BUILT_IN = ("mnist", "fashion-mnist")


def warm_up(presets: Presets, datasets: DatasetRegistry, device: torch.device,
            preset: str) -> None:
    for name in BUILT_IN:
        if datasets.folder(name) is not None:
            for split in ("train", "test"):
                datasets.load(name, split)
    spec = presets.get(preset).spec
    images, labels = datasets.load("mnist", "train")
    data = prepare(images[:64], labels[:64], datasets.info("mnist").preprocessing, spec,
                   0.0, 0)
    model = build_model(spec).to(device)
    optimizer = torch.optim.Adam(model.parameters())
    x, y = data.train_x.to(device), data.train_y.to(device)  # (64, 1, 28, 28), (64,)
    loss = nn.CrossEntropyLoss()(model.logits(x), y)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    with torch.no_grad():
        model.eval()
        model.logits(x[:1])
    if device.type == "cuda":
        torch.cuda.synchronize()


def device_memory(device: torch.device) -> int:
    """Total bytes of the device's memory (the host's for the CPU)."""
    if device.type == "cuda":
        return int(torch.cuda.mem_get_info(device)[1])
    from server.training.executors.admission import host_memory

    return host_memory()
