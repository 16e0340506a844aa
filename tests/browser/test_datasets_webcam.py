"""The Datasets page's webcam (#16): Chromium's synthetic camera through a real
getUserMedia; pictures taken one per click, and a burst while Space is held."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from datasets_page import DatasetsPage, open_datasets

pytestmark = pytest.mark.browser


@pytest.fixture
def datasets(camera_browser: Any, base_url: str) -> Iterator[DatasetsPage]:
    yield from open_datasets(camera_browser, base_url, viewport={"width": 1280, "height": 900},
                             permissions=["camera"])


def _start_camera(datasets: DatasetsPage) -> Any:
    page = datasets.page
    page.get_by_role("button", name="Start the webcam").click()
    datasets.wait_text("#webcam-status", "The webcam is on.")
    capture = page.get_by_role("button", name="Capture")
    assert capture.is_enabled()
    assert page.evaluate("document.activeElement.id") == "webcam-capture"
    return capture


def test_three_clicks_take_three_pictures_into_the_chosen_class(datasets: DatasetsPage) -> None:
    page = datasets.page
    dataset_id = datasets.create("Faces", size=24, channels="3: colour (RGB)")
    datasets.add_class("smile")
    datasets.add_class("frown")
    page.get_by_label("Into class").select_option("frown")
    capture = _start_camera(datasets)
    for taken in range(1, 4):
        capture.click()
        datasets.wait_count("frown", f"{taken} {'picture' if taken == 1 else 'pictures'}")
    assert datasets.server(dataset_id)["counts"] == {"smile": 0, "frown": 3}
    assert datasets.card("frown").get_by_role("img").count() == 3
    page.get_by_role("button", name="Stop the webcam").click()
    assert page.get_by_role("button", name="Capture").is_disabled()


def test_holding_space_on_capture_takes_a_burst(datasets: DatasetsPage) -> None:
    page = datasets.page
    dataset_id = datasets.create("Burst", size=16)
    datasets.add_class("hand")
    _start_camera(datasets)
    page.keyboard.down(" ")  # the focus is on Capture
    datasets.wait_text("#webcam-status", "Burst")  # held long enough: the burst runs
    datasets.wait_text('li.class-card[data-class-name="hand"] .class-count', "6 pictures")
    page.keyboard.up(" ")
    datasets.wait_text("#webcam-status", "into hand")
    datasets.wait()
    taken = datasets.server(dataset_id)["counts"]["hand"]
    assert taken >= 6  # at least one full batch, then the rest when Space went up
