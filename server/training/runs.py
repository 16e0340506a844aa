"""One run's state as the server sees it, updated from its worker's events."""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from server.nn.spec import NetworkSpec
from server.training.spec import RunRequest

FINAL = ("finished", "stopped", "failed")
HEAVY = ("activations", "filters", "prediction", "samples", "detections")  # latest wins
BINARY = ("activations", "filters")  # their "data" travels as a binary frame
QUEUE_KEYS = ("position", "wait_s", "reason", "reason_type", "reason_ctx")  # a `queue` event's


@dataclass(eq=False)
class Run:
    id: str
    request: RunRequest
    spec: NetworkSpec  # request.network, parsed once where the request came in
    network_name: str
    owner: str = ""  # the session that started it
    status: str = "queued"
    created: float = field(default_factory=time.time)
    started: float | None = None
    ended: float | None = None
    epoch: int = 0
    step: int = 0
    latest: dict[str, Any] = field(default_factory=dict)  # the last step event
    epochs: list[dict[str, Any]] = field(default_factory=list)
    steps: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=4000))
    message: str = ""
    model_id: str | None = None
    device: str | None = None
    notes: list[str] = field(default_factory=list)
    note_details: list[dict[str, Any]] = field(default_factory=list)  # {text, type, ctx}
    seq: int = 0
    launched: bool = False  # bound to a worker
    heavy: dict[str, dict[str, Any]] = field(default_factory=dict)  # latest of each kind
    # Replay points as they streamed past: number -> {"meta", "activations", "filters",
    # "prediction"} (bounded by the run's history budget: server/training/history.py).
    points: dict[int, dict[str, Any]] = field(default_factory=dict)
    # The engine's view: memory it was admitted with, its place in the fair queue.
    estimate_bytes: int = 0
    order: int = 0
    priority: bool = False  # a room teacher's broadcast run starts first
    threads: int = 0
    # {position, wait_s, reason, reason_type, reason_ctx} while queued
    queue: dict[str, Any] | None = None
    bound: float | None = None  # when a worker took it
    first_step: float | None = None
    result: dict[str, Any] = field(default_factory=dict)  # the saved model's metrics
    deleted: bool = False  # its session deleted its data: hidden, dropped once final

    @property
    def final(self) -> bool:
        return self.status in FINAL

    def apply(self, event: dict[str, Any]) -> dict[str, Any]:
        """Fold one worker event into the state; returns it stamped with seq, run_id, time."""
        stamped = {**event, "run_id": self.id, "seq": self.seq + 1, "time": time.time()}
        self.fold(stamped)
        return stamped

    def fold(self, stamped: dict[str, Any]) -> None:
        """Fold an event already stamped (by this run's `apply`, here or on the replica that
        runs it: server/hub/mirror.py) into the state; times are the event's own."""
        event, now = stamped, float(stamped["time"])
        self.seq = int(stamped["seq"])
        kind = event.get("type")
        if kind == "status":
            self.status = event["status"]
            self.step = event.get("step", self.step)
            self.epoch = event.get("epoch", self.epoch)
            self.message = event.get("message", "")
            if self.status != "queued":
                self.queue = None
            if self.status == "running" and self.started is None:
                self.started = now
                self.threads = int(event.get("threads") or 0)
                self.device = event.get("device")
                self.notes = list(event.get("notes", []))
                self.note_details = list(event.get("note_details") or [])
            if self.final:
                self.ended = now
        elif kind == "queue":
            self.queue = {k: event.get(k) for k in QUEUE_KEYS}
        elif kind == "step":
            if self.first_step is None:
                self.first_step = now
            self.epoch, self.step = event["epoch"], event["step"]
            self.latest = stamped
            self.steps.append(stamped)
        elif kind == "epoch":
            self.epochs.append(stamped)
        elif kind == "model":
            self.model_id = event["model_id"]
            self.result = dict(event.get("metrics") or {})
        elif kind in HEAVY:
            self.heavy[kind] = stamped
            if "point" in event and kind in ("activations", "filters", "prediction"):
                point = self.points.setdefault(int(event["point"]), {"meta": {
                    k: event.get(k) for k in ("step", "epoch", "epochs_done")}})
                point[kind] = stamped

    def public(self, viewer: str | None = None) -> dict[str, Any]:
        """viewer: the asking session (`yours` says whether it owns the run)."""
        latest = {k: self.latest[k] for k in ("loss", "accuracy", "learning_rate",
                                              "samples_per_s") if k in self.latest}
        last_epoch = self.epochs[-1] if self.epochs else {}
        return {
            "id": self.id, "status": self.status, "network": self.network_name,
            "dataset": self.request.dataset, "epoch": self.epoch, "step": self.step,
            "epochs": self.request.training.epochs, "metrics": {
                **latest, "val_loss": last_epoch.get("val_loss"),
                "val_accuracy": last_epoch.get("val_accuracy")},
            "message": self.message, "model_id": self.model_id, "device": self.device,
            "notes": self.notes, "note_details": self.note_details, "created": self.created,
            "started": self.started, "ended": self.ended,
            "training": self.request.training.model_dump(mode="json"),
            "initial_model": self.request.initial_model,
            "yours": viewer is not None and viewer == self.owner,
            "queue": self.queue, "timing": self.timing(), "threads": self.threads}

    def timing(self) -> dict[str, float | None]:
        """Seconds in the queue (submit -> a worker took it) and to the first step."""
        return {"queued_s": None if self.bound is None else self.bound - self.created,
                "first_step_s": None if self.first_step is None else
                self.first_step - self.created}

    def snapshot(self, viewer: str | None = None) -> dict[str, Any]:
        """What a client that connects late (or reconnects) needs to see everything."""
        latest = {k: {key: v for key, v in e.items() if key != "data"}
                  for k, e in self.heavy.items()}
        return {"type": "snapshot", "run": self.public(viewer), "steps": list(self.steps),
                "epochs": self.epochs, "seq": self.seq, "latest": latest}
