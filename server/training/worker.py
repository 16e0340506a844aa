"""The worker process: one per run. It builds the session, trains, saves the model, and
reports everything as events on a queue. Whatever happens, it ends with a final status."""

from __future__ import annotations

import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from server.errors import PlaygroundError
from server.store import ModelStore
from server.training.control import QueueControl
from server.training.loop import Trainer, TrainingFailed
from server.training.session import Session
from server.training.spec import RunRequest


def default_threads() -> int:
    """Leave a core to the server: on 2 cores, training with 2 threads beside a busy server
    lost ~75% of its throughput, with 1 thread ~2% (docs/performance.md)."""
    import os

    return max(1, (os.cpu_count() or 2) - 1)


def _failure(exc: BaseException) -> str:
    if isinstance(exc, TrainingFailed | PlaygroundError):
        return str(exc)
    if isinstance(exc, torch.cuda.OutOfMemoryError | MemoryError):
        return ("out of memory: the network or the batch is too large for this device; "
                "lower batch_size or use fewer filters")
    return f"{type(exc).__name__}: {exc}"


def _checkpointer(session: Session, trainer: Trainer, store: ModelStore, run_id: str,
                  emit: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
    """Answers a checkpoint command: the weights now, saved as a model of the asker."""

    def checkpoint(command: dict[str, Any]) -> None:
        state = trainer.state
        answer = {"type": "checkpoint", "request": command.get("request"),
                  "epoch": state.epoch + 1, "step": state.step}
        try:
            last = state.history[-1] if state.history else {}
            metrics = {"val_accuracy": last.get("val_accuracy"),
                       "val_loss": last.get("val_loss"), "epochs": len(state.history)}
            answer["model_id"] = session.save(
                trainer, store, str(command.get("name") or session.network_name), run_id,
                metrics, str(command.get("owner") or ""),
                {"checkpoint": {"epoch": state.epoch + 1, "step": state.step}})
        except Exception as exc:  # reported to the asker; training goes on
            answer["error"] = f"{type(exc).__name__}: {exc}"
        emit(answer)

    return checkpoint


def run_worker(run_id: str, request_json: str, paths: dict[str, str], events: Any,
               commands: Any, step_interval: float, probe_interval: float,
               threads: int, owner: str = "") -> None:
    """Entry point of the spawned process (arguments are plain, picklable values)."""
    from server.datasets.registry import DatasetRegistry
    from server.nn.presets import Presets
    from server.training.session import pick_device

    torch.set_num_threads(threads or default_threads())

    def emit(event: dict[str, Any]) -> None:
        events.put(event)

    trainer = None
    try:
        request = RunRequest.model_validate_json(request_json)
        datasets = DatasetRegistry(Path(paths["datasets_dir"]))
        session = Session.build(request, Presets(Path(paths["presets_dir"])), datasets)
        device = pick_device(request.training.device)
        emit({"type": "status", "status": "running", "message": "", "device": device.type,
              "notes": session.data.notes})
        trainer = session.trainer(emit, QueueControl(commands), device, step_interval,
                                  probe_interval)
        store = ModelStore(Path(paths["models_dir"]))
        session.start_from(trainer, store)
        trainer.on_checkpoint = _checkpointer(session, trainer, store, run_id, emit)
        outcome = trainer.run()
        history = trainer.state.history
        if history:  # finished, or stopped after at least one epoch: keep the model
            last = history[-1]
            metrics = {"val_accuracy": last.get("val_accuracy"), "val_loss": last.get(
                "val_loss"), "epochs": len(history), "test_accuracy": session.test_accuracy(
                    trainer, datasets)}
            model_id = session.save(trainer, store, session.network_name, run_id, metrics,
                                    owner)
            emit({"type": "model", "model_id": model_id, "metrics": metrics})
        emit({"type": "status", "status": outcome, "message": "" if history else
              "stopped before the first epoch ended: no model saved"})
    except BaseException as exc:  # the run ends as failed, with a readable reason
        message = _failure(exc)
        if not isinstance(exc, TrainingFailed | PlaygroundError):
            traceback.print_exc()
        emit({"type": "status", "status": "failed", "message": message})
    finally:
        if trainer is not None and trainer.device.type == "cuda":
            torch.cuda.empty_cache()

