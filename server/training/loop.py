"""The training loop. Runs anywhere (a worker process, the CLI, a test): it reports through
`emit` and takes commands (pause, resume, step, stop, set_lr) through `control`."""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import torch
from torch import nn

from server.errors import PlaygroundError
from server.nn.build import Network
from server.training.data import Prepared, augment_batch
from server.training.metrics import confusion_matrix, per_class
from server.training.spec import TrainingConfig

Emit = Callable[[dict[str, Any]], None]


class Control(Protocol):
    def poll(self) -> list[dict[str, Any]]:
        """Commands that arrived since the last call (never blocks)."""

    def wait(self, timeout: float) -> list[dict[str, Any]]:
        """Block up to timeout seconds for commands (used while paused)."""


class Watching(Protocol):
    """What the loop shows of the network while it trains (server/training/watch.py)."""

    def set_probe(self, command: dict[str, Any]) -> None: ...

    def maybe(self, model: Network, device: torch.device, force: bool = False) -> None: ...

    def epoch(self, logits: torch.Tensor) -> None: ...

    def start(self, model: Network, device: torch.device, steps_per_epoch: int,
              epochs: int) -> None: ...

    def at_step(self, model: Network, device: torch.device, step: int, epoch: int) -> None: ...


class TrainingFailed(Exception):
    """The run cannot go on; the message says why and what to try."""


@dataclass
class LoopState:
    epoch: int = 0
    step: int = 0
    paused: bool = False
    stop: bool = False
    history: list[dict[str, Any]] = field(default_factory=list)


def make_optimizer(model: nn.Module, config: TrainingConfig) -> torch.optim.Optimizer:
    params, lr, wd = model.parameters(), config.learning_rate, config.weight_decay
    name = config.optimizer
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr, weight_decay=wd)
    if name == "sgd_momentum":
        return torch.optim.SGD(params, lr=lr, momentum=config.momentum, weight_decay=wd)
    if name == "adagrad":
        return torch.optim.Adagrad(params, lr=lr, weight_decay=wd)
    if name == "adadelta":
        return torch.optim.Adadelta(params, lr=lr, weight_decay=wd)
    if name == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr, momentum=config.momentum, weight_decay=wd)
    if name == "adam":
        return torch.optim.Adam(params, lr=lr, weight_decay=wd)
    return torch.optim.AdamW(params, lr=lr, weight_decay=wd)


class Trainer:
    """One run's loop. `step_interval`: seconds between step events (and their one sync)."""

    def __init__(self, model: Network, data: Prepared, config: TrainingConfig,
                 classes: list[str], emit: Emit, control: Control, device: torch.device,
                 step_interval: float = 0.25, watcher: Watching | None = None):
        self.model = model.to(device)
        self.data, self.config, self.classes = data, config, classes
        self.emit, self.control, self.device = emit, control, device
        self.step_interval = step_interval
        self.watcher = watcher
        self.optimizer = make_optimizer(self.model, config)
        self.loss_fn = nn.CrossEntropyLoss()
        self.state = LoopState()
        self.pending: deque[dict[str, Any]] = deque()
        # Saves the weights as they are now (set by the worker; commands come between batches)
        self.on_checkpoint: Callable[[dict[str, Any]], None] | None = None
        self.generator = torch.Generator().manual_seed(config.seed)
        self.steps_per_epoch = math.ceil(len(data.train_y) / config.batch_size)

    # -- commands ---------------------------------------------------------------------
    def _apply(self, commands: list[dict[str, Any]]) -> None:
        for command in commands:
            op = command.get("op")
            if op == "pause":
                self.state.paused = True
            elif op == "resume":
                self.state.paused = False
            elif op == "stop":
                self.state.stop = True
            elif op == "set_lr":
                for group in self.optimizer.param_groups:
                    group["lr"] = float(command["value"])
                self.emit({"type": "lr", "learning_rate": float(command["value"])})
            elif op == "threads":  # the pool rebalances cores as runs start and end
                torch.set_num_threads(max(1, int(command["value"])))
            elif op == "probe" and self.watcher is not None:
                self._set_probe(command)
            elif op == "checkpoint" and self.on_checkpoint is not None:
                self.on_checkpoint(command)
            if op in ("pause", "resume"):
                # The step count rides along: step events are throttled, so the last one
                # may be a few batches old, and a paused run must show where it stands.
                self.emit({"type": "status", "status": "paused" if self.state.paused
                           else "running", "message": "", "step": self.state.step,
                           "epoch": self.state.epoch + 1})

    def _set_probe(self, command: dict[str, Any]) -> None:
        assert self.watcher is not None
        try:
            self.watcher.set_probe(command)
        except PlaygroundError as exc:
            self.emit({"type": "error", "message": exc.msg})
            return
        self.watcher.maybe(self.model, self.device, force=True)

    def _may_step(self) -> bool:
        """Apply commands in order; block while paused. True when the next batch may run:
        a 'step' while paused lets exactly one batch through (later commands wait)."""
        self.pending.extend(self.control.poll())
        while True:
            while self.pending:
                command = self.pending.popleft()
                if command.get("op") == "step" and self.state.paused:
                    return True
                self._apply([command])
            if self.state.stop:
                return False
            if not self.state.paused:
                return True
            self.pending.extend(self.control.wait(0.2))

    # -- the loop ---------------------------------------------------------------------
    def run(self) -> str:
        """Train all epochs; returns 'finished' or 'stopped'. Raises TrainingFailed."""
        if self.watcher is not None:
            self.watcher.start(self.model, self.device, self.steps_per_epoch,
                               self.config.epochs)
        for epoch in range(self.config.epochs):
            self.state.epoch = epoch
            if not self._train_epoch():
                return "stopped"
            self._evaluate()
        if self.watcher is not None:
            self.watcher.maybe(self.model, self.device, force=True)  # the final state
        return "finished"

    def _train_epoch(self) -> bool:
        self.model.train()
        x_all, y_all = self.data.train_x, self.data.train_y
        order = torch.randperm(len(y_all), generator=self.generator)
        bs = self.config.batch_size
        # Sums stay on the device; .item() (a host-device sync) happens once per step event.
        loss_sum = torch.zeros((), device=self.device)
        correct = torch.zeros((), device=self.device, dtype=torch.int64)
        # samples_per_s is the rate of the window since the last step event (the epoch's
        # first window starts at its first batch): a steady-state rate, not an average that
        # carries the epoch's start-up and evaluation pauses.
        seen, window_seen, window_start = 0, 0, time.perf_counter()
        for i in range(self.steps_per_epoch):
            if not self._may_step():
                return False
            index = order[i * bs:(i + 1) * bs]
            x = augment_batch(x_all[index], self.config.augment, self.generator).to(self.device)
            y = y_all[index].to(self.device)
            logits = self.model.logits(x)
            loss = self.loss_fn(logits, y)
            self.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            self.optimizer.step()
            self.state.step += 1
            if self.watcher is not None:
                self.watcher.at_step(self.model, self.device, self.state.step,
                                     self.state.epoch + 1)
            loss_sum += loss.detach() * len(y)
            correct += (logits.detach().argmax(dim=1) == y).sum()
            seen += len(y)
            window_seen += len(y)
            now = time.perf_counter()
            # An event after the epoch's first batch (the page shows progress at once),
            # then every step_interval, after the last batch, and on every batch while paused.
            if (i == 0 or now - window_start >= self.step_interval
                    or i == self.steps_per_epoch - 1 or self.state.paused):
                self._emit_step(loss_sum, correct, seen, (window_seen, now - window_start), i)
                window_seen, window_start = 0, now  # windows tile the epoch exactly
                if self.watcher is not None:
                    self.watcher.maybe(self.model, self.device, force=self.state.paused)
        return True

    def _emit_step(self, loss_sum: torch.Tensor, correct: torch.Tensor, seen: int,
                   window: tuple[int, float], index: int) -> None:
        """window: (images, seconds) since the previous step event."""
        loss = float(loss_sum) / seen  # the one sync point of this window
        self._check_finite(loss)
        self.emit({"type": "step", "epoch": self.state.epoch + 1, "step": self.state.step,
                   "epoch_step": index + 1, "steps_per_epoch": self.steps_per_epoch,
                   "loss": loss, "accuracy": int(correct) / seen,
                   "learning_rate": self.optimizer.param_groups[0]["lr"],
                   "samples_per_s": window[0] / max(window[1], 1e-9),
                   "window_s": window[1], "device": self.device.type})

    def _check_finite(self, loss: float) -> None:
        """A NaN or infinite loss ends the run, saying what to change."""
        if not math.isfinite(loss):
            raise TrainingFailed(
                f"the loss became {loss} at step {self.state.step} (epoch "
                f"{self.state.epoch + 1}): the learning rate "
                f"{self.optimizer.param_groups[0]['lr']:g} is probably too high; try 10 times "
                "smaller")

    @torch.no_grad()
    def predict(self, x: torch.Tensor, batch: int = 512) -> tuple[torch.Tensor, torch.Tensor]:
        """(logits, predicted class) for a tensor on the host, in eval mode."""
        self.model.eval()
        outs = [self.model.logits(x[i:i + batch].to(self.device)) for i in
                range(0, len(x), batch)]
        logits = torch.cat(outs) if outs else torch.zeros(0, len(self.classes))
        return logits, logits.argmax(dim=1)

    def _evaluate(self) -> None:
        x, y = self.data.val_x, self.data.val_y
        if len(y) == 0:
            entry: dict[str, Any] = {"epoch": self.state.epoch + 1, "val_loss": None,
                                     "val_accuracy": None}
        else:
            logits, predicted = self.predict(x)
            y_dev = y.to(self.device)
            matrix = confusion_matrix(predicted, y_dev, len(self.classes)).cpu()
            entry = {"epoch": self.state.epoch + 1,
                     "val_loss": float(self.loss_fn(logits, y_dev)),
                     "val_accuracy": float((predicted == y_dev).float().mean()),
                     "confusion_matrix": matrix.tolist(), "per_class": per_class(matrix)}
            if self.watcher is not None:
                self.watcher.epoch(logits)
        self.state.history.append(entry)
        self.emit({"type": "epoch", **entry, "classes": self.classes})
