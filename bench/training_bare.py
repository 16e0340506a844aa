"""The baseline of bench/training.py: a plain PyTorch training loop in this process."""

from __future__ import annotations

import math
import time
from typing import Any

import torch
from torch import nn

from bench.training_timing import Window, sync
from server.nn.build import build_model
from server.nn.spec import NetworkSpec
from server.training.data import Prepared
from server.training.spec import TrainingConfig


class BareLoop:
    """The baseline: the same model, data, optimizer and batches (the same seeded order as
    the trainer), nothing else: index a batch, forward, cross-entropy, backward, step."""

    def __init__(self, spec: NetworkSpec, data: Prepared, config: TrainingConfig,
                 device: torch.device):
        torch.manual_seed(config.seed)  # as Session.trainer does before build_model
        self.model = build_model(spec).to(device)
        self.model.train()
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=config.learning_rate)
        self.loss_fn = nn.CrossEntropyLoss()
        self.x_all, self.y_all = data.train_x.to(device), data.train_y.to(device)
        self.generator = torch.Generator().manual_seed(config.seed)
        self.device, self.bs, self.n = device, config.batch_size, len(data.train_y)
        self.steps_per_epoch = math.ceil(self.n / self.bs)
        self.i = self.steps_per_epoch  # the next batch's index in the epoch
        self.order = torch.empty(0, dtype=torch.int64)

    def step(self) -> int:
        """One batch; returns its size."""
        if self.i >= self.steps_per_epoch:
            self.order = torch.randperm(self.n, generator=self.generator).to(self.device)
            self.i = 0
        index = self.order[self.i * self.bs:(self.i + 1) * self.bs]
        self.i += 1
        loss = self.loss_fn(self.model.logits(self.x_all[index]), self.y_all[index])
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        return len(index)

    def _timed(self, more: Any) -> Window:
        """One batch, then batches while more(started) is true, timed (wall and this
        thread's CPU) from the end of the first batch to the end of the last."""
        self.step()
        sync(self.device)
        started, cpu, images = time.perf_counter(), time.thread_time(), 0
        while more(started):
            images += self.step()
        sync(self.device)
        return Window(images, time.perf_counter() - started, None,
                      {"train": time.thread_time() - cpu})

    def epoch(self) -> Window:
        """One whole epoch (a fresh shuffle), as ours times an epoch."""
        self.i = self.steps_per_epoch
        return self._timed(lambda _: self.i < self.steps_per_epoch)

    def run_for(self, seconds: float) -> Window:
        """About `seconds` of batches, as ours is timed after a resume."""
        return self._timed(lambda started: time.perf_counter() - started < seconds)


def bare_run(spec: NetworkSpec, data: Prepared, config: TrainingConfig,
             device: torch.device) -> list[Window]:
    loop = BareLoop(spec, data, config, device)
    return [loop.epoch() for _ in range(config.epochs)]
