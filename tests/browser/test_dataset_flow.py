"""The whole "your own data" flow in one browser tab, as a user does it: a new dataset, two
classes of pictures picked from disk, "Train on this", Start training, "Classify with it",
and two pictures it never saw classified with the dataset's own class names.

With CNNPG_FLOW_TIMES=<file> the test writes how long each stage took there as JSON:
bench/dataset_flow.py runs it that way and reports the time (goal: under 90 s here)."""

from __future__ import annotations

import itertools
import json
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from classify_page import Classify
from conftest import wait_state
from datasets_page import DatasetsPage, open_datasets
from pictures import stripes

pytestmark = pytest.mark.browser

PER_CLASS = 30
CLASSES = {"vertical": True, "horizontal": False}
SETTINGS = {"Epochs": "8", "Batch size": "16", "Learning rate": "0.003",
            "Validation split": "0.2"}


@pytest.fixture
def datasets(browser: Any, base_url: str) -> Iterator[DatasetsPage]:
    yield from open_datasets(browser, base_url, viewport={"width": 1280, "height": 900})


def make_dataset(datasets: DatasetsPage) -> str:
    page = datasets.page
    dataset_id = datasets.create("Stripes", size=32)
    for label, vertical in CLASSES.items():
        datasets.add_class(label)
        page.get_by_label(f"Choose pictures for {label}").set_input_files([
            {"name": f"{label}{i}.png", "mimeType": "image/png",
             "buffer": stripes(vertical, i + 1000 * vertical)} for i in range(PER_CLASS)])
        datasets.wait_count(label, f"{PER_CLASS} pictures")
    assert datasets.server(dataset_id)["counts"] == dict.fromkeys(CLASSES, PER_CLASS)
    return dataset_id


def train(page: Any, dataset_id: str) -> str:
    """From the Datasets page's "Train on this" to a finished run; its model id."""
    page.get_by_role("link", name="Train on this").click()
    page.wait_for_url(f"**/training?dataset={dataset_id}&preset=lenet-mnist")
    wait_state(page, "idle")
    for label, value in SETTINGS.items():
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_role("button", name="Start training").click()
    page.wait_for_url(re.compile(r"#run=run-"))
    page.wait_for_selector("body[data-state=finished]", state="attached", timeout=240_000)
    page.locator("#model-id").wait_for()
    return str(page.locator("#model-id").text_content())


def classify_new_pictures(page: Any, model_id: str) -> dict[str, str]:
    """"Classify with it", then one unseen picture of each class: the top label of each."""
    page.get_by_role("link", name="Classify with it").click()
    page.wait_for_url(f"**/classify?model={model_id}")
    view = Classify(page)
    view.wait()
    assert view.model == model_id
    answers = {}
    for label, vertical in CLASSES.items():
        before = view.answers()
        view.upload(f"new-{label}.png", stripes(vertical, 7000 + vertical))
        view.wait_answer(before)
        answers[label] = view.top()[0][0]
    return answers


def test_from_a_new_dataset_to_a_classified_picture(datasets: DatasetsPage) -> None:
    page = datasets.page
    marks = {"start": time.perf_counter()}
    dataset_id = make_dataset(datasets)
    marks["dataset made"] = time.perf_counter()
    model_id = train(page, dataset_id)
    marks["trained"] = time.perf_counter()
    model = page.request.get(f"/api/models/{model_id}").json()
    assert model["classes"] == list(CLASSES)
    assert model["test_accuracy"] >= 0.9, model["manifest"]["metrics"]
    answers = classify_new_pictures(page, model_id)
    marks["classified"] = time.perf_counter()
    assert answers == {label: label for label in CLASSES}
    if target := os.environ.get("CNNPG_FLOW_TIMES"):
        stages = list(marks.items())
        Path(target).write_text(json.dumps({
            "total_s": stages[-1][1] - stages[0][1],
            "stages_s": {name: end - begin for (_, begin), (name, end)
                         in itertools.pairwise(stages)},
            "pictures": PER_CLASS * len(CLASSES), "epochs": int(SETTINGS["Epochs"])}))
