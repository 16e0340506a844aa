"""Your own detection data in the browser (#18): import photos with YOLO labels on the
Datasets page, see their boxes, open them in the Detection Lab, train a detector on them
live, and find the objects in a photo opened on the pad."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import wait_state
from detection.own_pictures import NAMES, dataset_zip, photo
from page_checks import UNLABELLED, PageView, open_view

pytestmark = pytest.mark.browser


@pytest.fixture
def datasets(browser: Any, base_url: str) -> Iterator[PageView]:
    yield from open_view(browser, base_url, "/datasets", PageView,
                         viewport={"width": 1280, "height": 1000})


def test_import_photos_with_boxes_then_train_a_detector_on_them_and_find_objects(
        datasets: PageView, tmp_path: Path) -> None:
    page = datasets.page
    archive = tmp_path / "shapes.zip"
    archive.write_bytes(dataset_zip([photo(seed) for seed in range(600, 660)]))
    page.get_by_label("Name").fill("Shapes")
    page.get_by_label("What the zip holds").select_option("detection")
    assert page.get_by_label("Size (pixels)").input_value() == "96"  # a multiple of 16
    assert "YOLO label file" in page.locator("#zip-hint").text_content()
    page.get_by_label("Zip file").set_input_files(str(archive))
    page.get_by_role("button", name="Import the zip").click()
    wait_state(page, "idle")
    status = page.locator("#zip-status").text_content()
    assert "stored 60 pictures" in status, status
    assert "boxes in 2 classes" in status, status
    # The open view: boxes per class, pictures with their boxes, no class-folder controls.
    assert page.locator("#class-view").is_hidden()
    rows = page.locator("#boxes-classes tr")
    assert [rows.nth(i).locator("th").text_content().strip() for i in range(2)] == list(NAMES)
    assert "54 to train on, 6 held out" in page.locator("#open-facts").text_content()
    pictures = page.locator("#boxes-pictures li")
    assert pictures.count() == 8
    assert pictures.first.locator("rect").count() >= 1
    assert page.evaluate(UNLABELLED) == []
    # The Detection Lab, on these photos: the grid, the label vector, named objects.
    page.get_by_role("link", name="Open in the Detection Lab").click()
    page.wait_for_selector("#detection[data-dataset^='ds-']")
    wait_state(page, "idle")
    assert page.get_by_label("Dataset", exact=True).input_value().startswith("ds-")
    assert page.locator("#scene-index-label").text_content() == "Scene (0 to 5)"
    objects = page.locator("#scene-objects li")
    assert objects.count() >= 1
    assert objects.first.text_content().split(":")[0] in NAMES
    assert "(object 1, picture #" in objects.first.text_content()
    page.get_by_label("Pictures", exact=True).select_option("train")
    page.wait_for_function("document.querySelector('#scene-index-label').textContent"
                           " === 'Scene (0 to 53)'")
    # Train the preset on them (made to fit: 96 px, 2 classes, anchors from the boxes).
    page.get_by_label("Training", exact=True).select_option("quick")
    page.get_by_role("button", name="Train", exact=True).click()
    page.wait_for_selector("#train-canvas[data-status=finished]", timeout=180_000)
    table = page.locator("#map-body tr")
    assert table.count() == 4
    assert page.locator("#train-status").text_content().startswith("Finished: mAP@0.5")
    # NMS stepped through the trained detector's own raw boxes on the probe picture.
    page.get_by_role("button", name="Step NMS through its boxes").click()
    page.wait_for_selector("#nms-canvas[data-source=detector]")
    wait_state(page, "idle")
    assert "the detector's boxes before NMS" in page.locator("#nms-status").text_content()
    assert page.evaluate("document.activeElement.id") == "nms-step"
    page.get_by_role("button", name="All steps").click()
    assert "Done:" in page.locator("#nms-status").text_content()
    # A new photo opened on the pad: the new detector finds a named object in it.
    page.wait_for_function("document.querySelector('#draw-model').value !== ''")
    fresh = tmp_path / "fresh.png"
    fresh.write_bytes(photo(9001, objects=1).png())
    page.get_by_label("Open a photo").set_input_files(str(fresh))
    wait_state(page, "idle")
    assert "fitted in" in page.locator("#draw-status").text_content()
    page.get_by_label("Score threshold: 0.25").fill("0.05")
    page.get_by_role("button", name="Find the digits").click()
    wait_state(page, "idle")
    found = page.locator("#draw-found li")
    assert found.count() >= 1, page.locator("#draw-status").text_content()
    assert found.first.text_content().split(",")[0] in NAMES
