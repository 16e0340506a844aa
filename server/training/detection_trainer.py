"""A detector's training loop for the runs API: the classification Trainer's commands
(pause, resume, step, stop, set_lr, checkpoint) around the YOLO loss on mnist-detect.

Events: `step` (loss, learning rate, images per second; no accuracy: a detector has none),
`epoch` with mAP@0.5 on the held-out test scenes and each class's AP, and `detections`: the
probe scene's boxes before and after NMS and each cell's objectness, every
`probe_interval` seconds and after each epoch (latest value wins on the socket).
"""

from __future__ import annotations

import math
import time
from collections import deque
from typing import Any

import torch

from server.detection.detector import Found, detect, normalise
from server.detection.scenes import Scenes
from server.detection.scoring import boxes_json, label_grids, score
from server.detection.yolo import Grid, decode, yolo_loss
from server.nn.build import Network
from server.training.loop import Control, Emit, LoopState, Trainer, make_optimizer
from server.training.spec import TrainingConfig

PROBE_INDEX = 0  # the test scene the page shows (GET /api/detection/scenes/test/0)


class DetectionTrainer(Trainer):
    """Shares Trainer's command handling (`_apply`, `_may_step`) and `run`; its own data,
    loss and scores. Trainer.__init__ is not called: it prepares classification data this
    run has none of. The learning rate follows a one-cycle schedule peaking at the asked
    rate (warm up, then anneal): detectors trained from scratch need the warm-up, and the
    benchmark's 0.8 mAP in 3 minutes needs the annealing. A learning rate set by hand during
    the run ends the schedule; the rate set stays."""

    def __init__(self, model: Network, grid: Grid, scenes: tuple[Scenes, Scenes],
                 config: TrainingConfig, emit: Emit, control: Control, device: torch.device,
                 step_interval: float = 0.25, probe_interval: float | None = 1.0):
        self.model = model.to(device)
        self.grid, (self.train_scenes, self.test_scenes) = grid, scenes
        self.config, self.classes = config, list(self.train_scenes.names)
        self.emit, self.control, self.device = emit, control, device
        self.step_interval, self.probe_interval = step_interval, probe_interval
        self.watcher = None
        self.optimizer = make_optimizer(self.model, config)
        self.state = LoopState()
        self.pending: deque[dict[str, Any]] = deque()
        self.on_checkpoint = None
        self.generator = torch.Generator().manual_seed(config.seed)
        self.inputs = normalise(self.train_scenes.images, self.train_scenes.stats)
        self.labels = label_grids(grid, self.train_scenes)
        self.steps_per_epoch = math.ceil(len(self.train_scenes) / config.batch_size)
        self.schedule: torch.optim.lr_scheduler.LRScheduler | None = (
            torch.optim.lr_scheduler.OneCycleLR(
                self.optimizer, config.learning_rate, cycle_momentum=False,  # any optimizer
                total_steps=config.epochs * self.steps_per_epoch))
        self.last_probe = -math.inf

    def _apply(self, commands: list[dict[str, Any]]) -> None:
        if any(command.get("op") == "set_lr" for command in commands):
            self.schedule = None
        super()._apply(commands)

    def _train_epoch(self) -> bool:
        self.model.train()
        order = torch.randperm(len(self.train_scenes), generator=self.generator)
        bs = self.config.batch_size
        loss_sum, seen = torch.zeros((), device=self.device), 0
        window_seen, window_start = 0, time.perf_counter()
        for i in range(self.steps_per_epoch):
            if not self._may_step():
                return False
            index = order[i * bs:(i + 1) * bs]
            x, y = self.inputs[index].to(self.device), self.labels[index].to(self.device)
            loss = yolo_loss(decode(self.grid, self.model(x)), y)
            self.optimizer.zero_grad(set_to_none=True)
            torch.autograd.backward(loss)
            self.optimizer.step()
            if self.schedule is not None:
                self.schedule.step()
            self.state.step += 1
            loss_sum += loss.detach() * len(y)
            seen += len(y)
            window_seen += len(y)
            now = time.perf_counter()
            if (i == 0 or now - window_start >= self.step_interval
                    or i == self.steps_per_epoch - 1 or self.state.paused):
                self._emit_loss(float(loss_sum) / seen, (window_seen, now - window_start), i)
                window_seen, window_start = 0, now
                if self.probe_interval is not None and (
                        now - self.last_probe >= self.probe_interval or self.state.paused):
                    self.probe()
                    self.model.train()
        return True

    def _emit_loss(self, loss: float, window: tuple[int, float], index: int) -> None:
        self._check_finite(loss)
        self.emit({"type": "step", "epoch": self.state.epoch + 1, "step": self.state.step,
                   "epoch_step": index + 1, "steps_per_epoch": self.steps_per_epoch,
                   "loss": loss, "learning_rate": self.optimizer.param_groups[0]["lr"],
                   "samples_per_s": window[0] / max(window[1], 1e-9), "window_s": window[1],
                   "device": self.device.type})

    def _evaluate(self) -> None:
        map50, per_class = score(self.model, self.grid, self.test_scenes)
        entry = {"epoch": self.state.epoch + 1, "val_loss": None, "val_accuracy": None,
                 "map50": map50,
                 "ap_per_class": [per_class.get(c) for c in range(self.grid.classes)]}
        self.state.history.append(entry)
        self.emit({"type": "epoch", **entry, "classes": self.classes})
        if self.probe_interval is not None:
            self.probe()

    @torch.no_grad()
    def probe(self) -> None:
        """The probe scene's boxes now: before NMS, after it, and each cell's objectness."""
        self.last_probe = time.perf_counter()
        self.model.eval()
        image = self.test_scenes.images[PROBE_INDEX:PROBE_INDEX + 1]
        x = normalise(image, self.test_scenes.stats).to(self.device)
        decoded = decode(self.grid, self.model(x))[0].cpu()
        found: Found = detect(self.grid, decoded)
        self.emit({"type": "detections", "epoch": self.state.epoch + 1,
                   "step": self.state.step, "probe": {"split": "test", "index": PROBE_INDEX},
                   "raw": boxes_json(found.raw), "kept": boxes_json(found.kept),
                   "objectness": [[round(float(v), 4) for v in row]
                                  for row in decoded[..., 0].amax(-1).tolist()],
                   "classes": self.classes})
