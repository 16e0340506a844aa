"""The texts a run's page shows carry a type and values beside their English, so the page
can write them in its language: why a run waits, the notes on how the data was fitted, and
which size a preset was fitted to when it no longer fits."""

from __future__ import annotations

import pickle
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from server.config import Settings
from server.datasets.info import DatasetInfo, Preprocessing
from server.errors import InvalidInput
from server.nn.presets import Presets
from server.nn.spec import NetworkSpec
from server.training.data import GREY_TO_RGB, adapt
from server.training.events import QueueEvent, StatusEvent
from server.training.executors.scheduling import WARMING_UP, Scheduling
from server.training.notes import Note, note_details
from server.training.runs import Run
from server.training.session import fit_preset
from server.training.spec import RunRequest
from training.run_helpers import TINY

MNIST = Preprocessing(1, 28, 28, (0.13,), (0.31,))


def spec(channels: int, size: int) -> NetworkSpec:
    return NetworkSpec.model_validate({**TINY, "input": {
        "channels": channels, "height": size, "width": size}})


def notes_for(images: np.ndarray, network: NetworkSpec) -> list[str]:
    notes: list[str] = []
    adapt(images, MNIST, network, notes)
    return notes


def test_notes_keep_their_english_and_carry_a_type_and_values() -> None:
    digits = np.zeros((2, 28, 28, 1), np.uint8)
    padded = notes_for(digits, spec(1, 32))
    assert padded == ["28x28 images are zero-padded to 32x32 (as LeNet-5 did with MNIST)"]
    assert note_details(padded) == [{"text": padded[0], "type": "images_padded",
                                     "ctx": {"size": "28x28", "to": "32x32"}}]
    resized = notes_for(digits, spec(3, 56))
    assert resized == [GREY_TO_RGB, "28x28 images are resized to 56x56"]
    assert [(d["type"], d["ctx"]) for d in note_details(resized)] == [
        ("grey_to_rgb", {}), ("images_resized", {"size": "28x28", "to": "56x56"})]
    # A plain text (a detection run's notes) is a note without a type.
    assert note_details(["plain"]) == [{"text": "plain", "type": None, "ctx": {}}]


def test_a_note_survives_a_process_boundary_whole() -> None:
    note = Note("28x28 images are resized to 56x56", "images_resized", size="28x28", to="56x56")
    copy = pickle.loads(pickle.dumps(note))
    assert (copy, copy.type, copy.ctx) == (note, "images_resized", note.ctx)


def run() -> Run:
    request = RunRequest.model_validate({"network": TINY, "dataset": "mnist"})
    return Run("r1", request, spec(1, 28), "tiny", owner="me", estimate_bytes=3 * 1024 ** 2)


def test_the_run_and_its_events_carry_the_types() -> None:
    target = run()
    details = note_details(notes_for(np.zeros((1, 28, 28, 1), np.uint8), spec(1, 32)))
    status = {"type": "status", "status": "running", "device": "cpu",
              "notes": [d["text"] for d in details], "note_details": details}
    StatusEvent.model_validate(status)
    target.apply(status)
    assert target.public()["note_details"] == details
    queue = {"type": "queue", "position": 2, "wait_s": None, **WARMING_UP}
    QueueEvent.model_validate(queue)
    target.status = "queued"
    target.apply(queue)
    assert target.public()["queue"] == {"position": 2, "wait_s": None,
                                        "reason": "waiting for a warm worker",
                                        "reason_type": "warming_up", "reason_ctx": {}}


@pytest.mark.parametrize(("active", "mine", "used", "expected"), [
    (1, 2, 0, ("your session already trains 2 runs at once", "session_limit", {"runs": 2})),
    (3, 0, 0, ("all 3 training slots are busy", "slots_busy", {"slots": 3})),
    (1, 0, 9 * 1024 ** 2, ("it needs about 3.0 MB and 1.0 MB of device memory is free",
                           "memory", {"needed": "3.0 MB", "free": "1.0 MB",
                                      "needed_bytes": 3 * 1024 ** 2,
                                      "free_bytes": 1024 ** 2})),
])
def test_why_a_run_waits_is_typed(active: int, mine: int, used: int,
                                  expected: tuple[str, str, dict[str, Any]]) -> None:
    engine: Any = SimpleNamespace(config=SimpleNamespace(session_active=2, max_concurrent=3))
    reason = Scheduling._blocker(engine, run(), active, {"me": mine}, used, 10 * 1024 ** 2)
    assert reason is not None
    assert (reason["reason"], reason["reason_type"], reason["reason_ctx"]) == expected
    assert Scheduling._blocker(engine, run(), 0, {}, 0, 0) is None


def test_a_preset_that_no_longer_fits_says_which_size_it_was_fitted_to() -> None:
    lenet = Presets(Settings().presets_dir).get("lenet5").spec
    tiny = Preprocessing(1, 2, 2, (0.5,), (0.5,))
    info = DatasetInfo("mine", "Mine", ("a", "b"), tiny, "", {}, "mine",
                       lambda _p, _s: (np.zeros(0), np.zeros(0)))
    with pytest.raises(InvalidInput) as refused:
        fit_preset(lenet, info)
    [detail] = refused.value.detail()
    assert detail["msg"].startswith("the preset, made to take 2x2 pictures: layer 0 (conv2d): ")
    assert detail["type"] == "kernel_larger_than_input"  # the network check's own type ...
    assert detail["ctx"]["input"] == "2x2"  # ... and values ...
    assert detail["ctx"]["preset_size"] == "2x2"  # ... and the size the preset was fitted to
