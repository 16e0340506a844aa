"""A warm worker process of the pool: it imports torch, initialises the device, maps the
built-in datasets and takes one real training step before it says it is ready; then it
trains the runs it is given, one at a time, reporting everything as events on a queue.

Messages to the executor: {"kind": "ready", ...} once warm, {"kind": "run_event", "run_id",
"event"} for each run event, {"kind": "idle"} after a run, {"kind": "retire", "reason"}
before it exits on its own (after an out-of-memory, say) so the pool replaces it.
"""

from __future__ import annotations

import os
import queue
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from server.datasets.registry import DatasetRegistry
from server.errors import InvalidInput, PlaygroundError
from server.nn.presets import Presets
from server.nn.spec import NetworkSpec
from server.store import ModelStore
from server.training.control import RunControl
from server.training.loop import TrainingFailed
from server.training.notes import note_details
from server.training.open_session import RunSession, open_session
from server.training.session import Session, pick_device, point_checkpoint
from server.training.spec import RunRequest
from server.training.warmup import device_memory, warm_up


def _failure(exc: BaseException) -> str:
    if isinstance(exc, TrainingFailed | PlaygroundError):
        return str(exc)
    if isinstance(exc, torch.cuda.OutOfMemoryError | MemoryError):
        return ("out of memory: the network or the batch is too large for this device; "
                "lower batch_size or use fewer filters")
    return f"{type(exc).__name__}: {exc}"


class Worker:
    """The state a warm worker keeps between runs."""

    def __init__(self, number: int, paths: dict[str, str], events: Any, settings: dict[str,
                                                                                       Any]):
        self.number, self.events, self.settings = number, events, settings
        self.parent = os.getppid()  # the server: gone -> leave (RunControl)
        decoded = Path(paths["decoded_dir"]) if paths.get("decoded_dir") else None
        self.datasets = DatasetRegistry(Path(paths["datasets_dir"]), decoded_dir=decoded,
                                        user_dir=Path(paths["models_dir"]) / ".datasets")
        self.presets = Presets(Path(paths["presets_dir"]))
        self.store = ModelStore(Path(paths["models_dir"]))
        self.device = pick_device("auto")

    def warm(self) -> None:
        started = time.perf_counter()
        warm_up(self.presets, self.datasets, self.device, str(self.settings["warmup_preset"]))
        total = device_memory(self.device)
        self.events.put({"kind": "ready", "worker": self.number, "pid": os.getpid(),
                         "device": self.device.type, "total_bytes": total,
                         "warm_s": time.perf_counter() - started})

    def train(self, message: dict[str, Any], inbox: Any) -> bool:
        """One run, start to final status. False when this worker should retire."""
        run_id = str(message["run_id"])
        control = RunControl(inbox, run_id, self.parent)

        def emit(event: dict[str, Any]) -> None:
            self.events.put({"kind": "run_event", "run_id": run_id, "event": event})

        healthy = True
        try:
            self._train(message, control, emit)
        except BaseException as exc:  # the run ends as failed, with a readable reason
            if not isinstance(exc, TrainingFailed | PlaygroundError):
                traceback.print_exc()
                healthy = False  # an out-of-memory or a bug: a fresh process takes over
            emit({"type": "status", "status": "failed", "message": _failure(exc)})
        finally:
            if self.device.type == "cuda":
                torch.cuda.empty_cache()
        return healthy and not control.shutdown

    def _train(self, message: dict[str, Any], control: RunControl,
               emit: Callable[[dict[str, Any]], None]) -> None:
        request = RunRequest.model_validate_json(message["request"])
        spec = NetworkSpec.model_validate_json(message["spec"])  # typed across the pipe
        threads = 1 if self.device.type == "cuda" else int(message["threads"])
        torch.set_num_threads(max(1, threads))
        session = open_session(request, spec, str(message["name"]), self.datasets)
        device = pick_device(request.training.device)
        emit({"type": "status", "status": "running", "message": "", "device": device.type,
              "notes": session.notes, "note_details": note_details(session.notes),
              "threads": threads, "worker": self.number})
        trainer = session.trainer(emit, control, device, float(self.settings["step_interval"]),
                                  float(self.settings["probe_interval"]),
                                  int(self.settings.get("history_bytes", 0)))
        session.start_from(trainer, self.store)
        owner, run_id = str(message.get("owner") or ""), str(message["run_id"])
        trainer.on_checkpoint = checkpointer(session, trainer, self.store, run_id, emit)
        started = time.perf_counter()
        outcome = trainer.run()
        if trainer.state.history:  # finished, or stopped after an epoch: keep the model
            metrics = session.final_metrics(trainer, self.datasets,
                                            time.perf_counter() - started)
            model_id = session.save(trainer, self.store, session.network_name, run_id,
                                    metrics, owner)
            emit({"type": "model", "model_id": model_id, "metrics": metrics})
        emit({"type": "status", "status": outcome, "message": "" if trainer.state.history
              else "stopped before the first epoch ended: no model saved"})


def checkpointer(session: RunSession, trainer: Any, store: ModelStore, run_id: str,
                 emit: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
    """Answers a checkpoint command: the weights now, saved as a model of the asker."""

    def checkpoint(command: dict[str, Any]) -> None:
        state = trainer.state
        answer = {"type": "checkpoint", "request": command.get("request"),
                  "epoch": state.epoch + 1, "step": state.step}
        try:
            if command.get("point") is not None:  # a replay point's weights, not today's
                if not isinstance(session, Session):
                    raise InvalidInput("a detection run keeps no replay points", ["point"])
                answer |= point_checkpoint(session, trainer, store, command)
                emit(answer)
                return
            answer["model_id"] = session.save(
                trainer, store, str(command.get("name") or session.network_name), run_id,
                session.metrics(trainer), str(command.get("owner") or ""),
                {"checkpoint": {"epoch": state.epoch + 1, "step": state.step}})
        except Exception as exc:  # reported to the asker; training goes on
            answer["error"] = f"{type(exc).__name__}: {exc}"
        emit(answer)

    return checkpoint


def serve(number: int, paths: dict[str, str], inbox: Any, events: Any,
          settings: dict[str, Any]) -> None:
    """Entry point of a pool process (arguments are plain, picklable values). It exits on
    "shutdown", when it retires, or when the server that started it is gone."""
    torch.set_num_threads(1)
    try:
        worker = Worker(number, paths, events, settings)
        worker.warm()
    except BaseException as exc:
        events.put({"kind": "retire", "worker": number, "reason": _failure(exc)})
        raise
    while True:
        try:
            message = inbox.get(timeout=1.0)
        except queue.Empty:
            if os.getppid() != worker.parent:  # the server died without a word: leave too
                return
            continue
        if message.get("op") == "shutdown":
            return
        if message.get("op") != "run":
            continue  # a command for a run that has already ended
        if not worker.train(message, inbox):
            # Never "idle" first: the pool would hand this process a run just before it
            # exits. "retire" keeps it out of the pool until its exit is noticed.
            events.put({"kind": "retire", "worker": number,
                        "reason": "replaced after a failure it could not recover from"})
            return
        events.put({"kind": "idle", "worker": number})



