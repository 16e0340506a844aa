"""The run events, typed: one class per `type`, the contract of `/ws/runs/{id}`.

The loop and the worker emit plain dicts (a step must stay cheap); these classes are what
those dicts promise, checked by tests against the events a real run emits and described in
docs/protocol.md. The server adds `run_id`, `seq` and `time` (see `Stamp`) when it
publishes an event; `dropped` is added per viewer that fell behind.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

Status = Literal["queued", "running", "paused", "finished", "stopped", "failed"]


class _Event(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # Stamped by the server on publish (absent in what the loop emits).
    run_id: str | None = None
    seq: int | None = None
    time: float | None = None
    dropped: int | None = None


class NoteDetail(BaseModel):
    """One of a run's notes: its English text, a stable type (None: only the text) and
    the values the text quotes."""

    model_config = ConfigDict(extra="forbid")
    text: str
    type: str | None = None
    ctx: dict[str, Any] = Field(default_factory=dict)


class StatusEvent(_Event):
    type: Literal["status"]
    status: Status
    message: str = ""
    step: int | None = None
    epoch: int | None = None
    device: str | None = None  # when the run starts
    notes: list[str] | None = None  # when the run starts
    # The notes again, each {"text", "type", "ctx"}: pages word them in their language.
    note_details: list[NoteDetail] | None = None
    threads: int | None = None  # CPU threads the run trains with, when it starts
    worker: int | None = None  # the warm worker it runs on, when it starts


class QueueEvent(_Event):
    """A queued run's place in line, sent whenever it changes."""

    type: Literal["queue"]
    position: int = Field(ge=1, description="1: next to start")
    wait_s: float | None = Field(description="estimated seconds until it starts (None: unknown)")
    reason: str = Field(description="why it waits, in words")
    reason_type: str | None = Field(default=None, description="why it waits, as a stable "
                                    "name: session_limit, slots_busy, memory, no_worker, "
                                    "warming_up")
    reason_ctx: dict[str, Any] = Field(default_factory=dict,
                                       description="the values `reason` quotes")


class Metrics(BaseModel):
    """One shape for a saved model's metrics, from the worker and the CLI alike."""

    model_config = ConfigDict(extra="forbid")
    val_accuracy: float | None = None
    val_loss: float | None = None
    epochs: int = 0
    test_accuracy: float | None = None
    test_map50: float | None = None  # a detector's mAP@0.5 on the held-out test scenes
    train_seconds: float | None = None
    device: str | None = None


class StepEvent(_Event):
    type: Literal["step"]
    epoch: int
    step: int
    epoch_step: int
    steps_per_epoch: int
    loss: float
    accuracy: float | None = None  # a detection run has none
    learning_rate: float
    samples_per_s: float = Field(description="images per second over this event's window")
    window_s: float = Field(description="seconds the window covered")
    device: str


class PerClass(BaseModel):
    model_config = ConfigDict(extra="forbid")
    precision: float
    recall: float
    f1: float
    support: int


class EpochEvent(_Event):
    type: Literal["epoch"]
    epoch: int
    val_loss: float | None
    val_accuracy: float | None
    confusion_matrix: list[list[int]] | None = None
    per_class: list[PerClass] | None = None
    classes: list[str]
    map50: float | None = None  # a detection run: mAP@0.5 on the held-out test scenes
    ap_per_class: list[float | None] | None = None  # its AP per class (None: no objects)


class LrEvent(_Event):
    type: Literal["lr"]
    learning_rate: float


class ModelEvent(_Event):
    type: Literal["model"]
    model_id: str
    metrics: Metrics


class ErrorEvent(_Event):
    type: Literal["error"]
    message: str


class _PointFrame(_Event):
    """Frames sent at a replay point carry it (server/training/history.py): which point,
    the step, the epoch in progress and the epochs complete. Other frames leave them out."""

    point: int | None = None
    step: int | None = None
    epoch: int | None = None
    epochs_done: int | None = None


class PredictionEvent(_PointFrame):
    type: Literal["prediction"]
    probe: dict[str, Any]
    true_label: int | None
    probabilities: list[float]
    classes: list[str]


class SamplesEvent(_Event):
    type: Literal["samples"]
    classes: list[str]
    samples: list[dict[str, Any]]


class Boxes(BaseModel):
    model_config = ConfigDict(extra="forbid")
    boxes: list[list[float]]  # xywh pixels
    scores: list[float]
    classes: list[int]


class DetectionsEvent(_Event):
    """A detection run's probe scene now: boxes before and after NMS, objectness per cell."""

    type: Literal["detections"]
    epoch: int
    step: int
    probe: dict[str, Any]
    raw: Boxes
    kept: Boxes
    objectness: list[list[float]]  # S x S: the highest P of each cell's boxes
    classes: list[str]


class Block(BaseModel):
    model_config = ConfigDict(extra="allow")
    index: int
    shape: list[int]
    offset: int
    length: int


class ActivationsEvent(_PointFrame):
    type: Literal["activations"]
    blocks: list[Block]
    bytes: int
    data: Any = None  # the uint8 payload (a binary frame on the socket)
    probe: dict[str, Any]


class FiltersEvent(_PointFrame):
    type: Literal["filters"]
    blocks: list[Block]
    bytes: int
    data: Any = None
    norms: list[dict[str, Any]]


RunEvent = Annotated[
    StatusEvent | QueueEvent | StepEvent | EpochEvent | LrEvent | ModelEvent | ErrorEvent
    | PredictionEvent | SamplesEvent | ActivationsEvent | FiltersEvent | DetectionsEvent,
    Field(discriminator="type")]
RUN_EVENT: TypeAdapter[RunEvent] = TypeAdapter(RunEvent)
EVENT_TYPES = ("status", "queue", "step", "epoch", "lr", "model", "error", "prediction",
               "samples", "activations", "filters", "detections")


def parse_event(event: dict[str, Any]) -> RunEvent:
    """Validate one event dict against the union (raises pydantic.ValidationError)."""
    return RUN_EVENT.validate_python(event)
