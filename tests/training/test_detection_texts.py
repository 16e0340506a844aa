"""A detection run's texts carry a type and values beside their English, as a classification
run's do (test_coded_texts.py): the notes on how it is scored and trained, which size a
detector preset was fitted to when it no longer fits your pictures, and why a run is
refused (the page's message for each type reads as the server's English)."""

from __future__ import annotations

import pickle
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from server.config import Settings
from server.datasets.info import DatasetInfo, Preprocessing
from server.errors import InvalidInput
from server.nn.presets import Presets
from server.nn.spec import NetworkSpec
from server.training.detection_checks import fit_detector, validate_detection
from server.training.detection_session import scored_note
from server.training.notes import note_details
from server.training.spec import RunRequest


def test_a_detector_preset_that_no_longer_fits_says_which_size_it_was_fitted_to() -> None:
    yolo = Presets(Settings().presets_dir).get("yolo-tiny-mnist").spec
    tiny = Preprocessing(1, 2, 2, (0.5,), (0.5,))
    info = DatasetInfo("mine", "Mine", ("a", "b"), tiny, "", {}, "mine",
                       lambda _p, _s: (np.zeros(0), np.zeros(0)))
    datasets: Any = None  # not asked: the preset is refused before any box is read
    with pytest.raises(InvalidInput) as refused:
        fit_detector(yolo, info, datasets)
    [detail] = refused.value.detail()
    assert detail["msg"].startswith("the preset, made to take 2x2 pictures: layer ")
    assert detail["loc"][0] == "network"
    assert detail["type"] not in (None, "value_error")  # the network check's own type ...
    assert detail["ctx"]["preset_size"] == "2x2"  # ... and the size it was fitted to
    assert detail["ctx"]["index"] == detail["loc"][2]


@pytest.mark.parametrize(("title", "text", "kind", "ctx"), [
    (None, "scored after each epoch by mAP@0.5 on the 1000 held-out test scenes (digits "
     "training never saw); validation_split is not used", "detection_scored_scenes",
     {"count": 1000}),
    ("Shapes", "scored after each epoch by mAP@0.5 on the 1000 held-out pictures of 'Shapes' "
     "training never sees; validation_split is not used", "detection_scored_pictures",
     {"count": 1000, "dataset": "'Shapes'"}),
])
def test_how_a_detection_run_is_scored_is_a_typed_note(
        title: str | None, text: str, kind: str, ctx: dict[str, Any]) -> None:
    note = scored_note(1000, title)
    assert note == text  # the English note is unchanged
    again = pickle.loads(pickle.dumps(note))  # kept whole across a process boundary
    assert note_details([again]) == [{"text": text, "type": kind, "ctx": ctx}]


ERRORS_JS = Path(__file__).parents[2] / "web/static/js/errors/builder.js"
HEAD = {"type": "detection_head", "boxes": 2, "classes": 10}


def _page_english(kind: str, ctx: dict[str, Any]) -> str:
    """The message errors/builder.js writes for a type, filled in as English writes it."""
    found = dict(re.findall(r'(\w+): \(c?\) => t\("([^"]+)"', ERRORS_JS.read_text()))
    return re.sub(r"\{(\w+)\}", lambda m: str(ctx[m.group(1)]), found[kind])


@pytest.mark.parametrize(("body", "kind", "ctx"), [
    ({"dataset": "mnist"}, "detection_dataset_needed",
     {"dataset": "mnist", "detection_dataset": "mnist-detect"}),
    ({"network": {"input": {"channels": 1, "height": 64, "width": 64}, "layers": [
        {"type": "conv2d", "filters": 4, "kernel_size": 3, "padding": "same"},
        {"type": "max_pool2d", "pool_size": 8}, HEAD]}}, "detection_input_mismatch",
     {"dataset": "mnist-detect", "channels": 1, "side": 96, "network": "1 x 64 x 64"}),
    ({"network": {"input": {"channels": 1, "height": 96, "width": 96}, "layers": [
        {"type": "max_pool2d", "pool_size": 16}, {**HEAD, "classes": 3}]}},
     "detection_classes_mismatch", {"dataset": "mnist-detect", "classes": 10, "head_classes": 3}),
    ({"training": {"epochs": 1, "augment": {"shift": 0.1}}}, "detection_no_augment", {}),
])
def test_a_refused_detection_run_is_typed_and_the_page_writes_the_same_english(
        client: TestClient, body: dict[str, Any], kind: str, ctx: dict[str, Any]) -> None:
    request = {"network": {"preset": "yolo-tiny-mnist"}, "dataset": "mnist-detect",
               "training": {"epochs": 1}, **body}
    response = client.post("/api/runs", json=request)
    assert response.status_code == 422, response.text
    [error] = response.json()["detail"]
    assert (error["type"], error.get("ctx", {})) == (kind, ctx)
    assert _page_english(kind, ctx) == error["msg"]


def test_a_dataset_of_yours_with_no_held_out_pictures_is_refused_with_its_counts() -> None:
    pre = Preprocessing(1, 96, 96, (0.5,), (0.5,))
    info = DatasetInfo("mine", "Shapes", ("a", "b"), pre, "", {"train": 4, "test": 0}, "mine",
                       lambda _p, _s: (np.zeros(0), np.zeros(0)), task="detection")
    datasets: Any = SimpleNamespace(is_user=lambda _name: True, info=lambda _name: info)
    spec = NetworkSpec.model_validate({"input": {"channels": 1, "height": 96, "width": 96},
                                       "layers": [{"type": "max_pool2d", "pool_size": 16},
                                                  {**HEAD, "classes": 2}]})
    request = RunRequest.model_validate({"network": spec.model_dump(), "dataset": "mine"})
    with pytest.raises(InvalidInput) as refused:
        validate_detection(request, spec, datasets)
    [error] = refused.value.detail()
    ctx = {"dataset": "'Shapes'", "train": 4, "test": 0}
    assert (error["type"], error["ctx"]) == ("detection_split_empty", ctx)
    assert _page_english("detection_split_empty", ctx) == error["msg"]
