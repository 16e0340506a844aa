"""The Datasets page (#16): make a dataset, add classes, drop and pick pictures, see the
counts, thumbnails and balance chart, delete mistakes, import a zip, train on it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from conftest import wait_state
from datasets_page import DatasetsPage, open_datasets, png, zip_of
from page_checks import UNLABELLED

pytestmark = pytest.mark.browser


@pytest.fixture
def datasets(browser: Any, base_url: str) -> Iterator[DatasetsPage]:
    yield from open_datasets(browser, base_url, viewport={"width": 1280, "height": 900})


def test_make_a_dataset_drop_pictures_see_the_balance_and_delete(
        datasets: DatasetsPage) -> None:
    page = datasets.page
    assert page.get_by_role("link", name="Datasets").get_attribute("aria-current") == "page"
    dataset_id = datasets.create("Shapes", size=16)
    datasets.add_class("circles")
    datasets.add_class("squares")

    # Picked with the class's file input.
    page.get_by_label("Choose pictures for circles").set_input_files([
        {"name": f"c{i}.png", "mimeType": "image/png", "buffer": png(i)} for i in range(3)])
    datasets.wait_count("circles", "3 pictures")
    # Dropped on the class's drop zone, with a file that is not a picture.
    datasets.drop("squares", [("s1.png", png(10), "image/png"), ("s2.png", png(11), "image/png"),
                              ("notes.txt", b"hello", "text/plain")])
    datasets.wait_count("squares", "2 pictures")
    skipped = datasets.card("squares").get_by_role("alert")
    assert "notes.txt" in skipped.text_content()
    assert "skipped 1" in datasets.card("squares").get_by_role("status").text_content()

    circles = datasets.card("circles")
    assert circles.get_by_role("img").count() == 3
    chart = page.locator("#balance-chart").get_by_role("img")
    assert "circles 3, squares 2" in chart.evaluate(
        "el => document.getElementById(el.getAttribute('aria-labelledby')).textContent")
    assert page.locator("#balance-chart rect").count() == 2
    assert page.locator(".balance-table tbody tr").count() == 2
    # As the network sees them: the stored 16 x 16 pictures, scaled up with square pixels.
    preview = page.get_by_role("img", name="circles, picture 1, as the network sees it")
    assert preview.evaluate("el => [el.naturalWidth, el.naturalHeight]") == [16, 16]
    assert preview.evaluate("el => getComputedStyle(el).imageRendering") == "pixelated"
    assert page.evaluate(UNLABELLED) == []

    # A mistake: delete one picture of circles.
    circles.get_by_role("button", name="Delete circles picture 1 (newest first)").click()
    datasets.wait_count("circles", "2 pictures")
    assert datasets.server(dataset_id)["counts"] == {"circles": 2, "squares": 2}
    datasets.wait_text("#balance-text", "circles 2, squares 2")

    # Delete a class, then the dataset, each after a confirm step.
    datasets.card("squares").get_by_role("button", name="Delete the class squares").click()
    page.get_by_role("button", name="Yes, delete").click()
    datasets.card("squares").wait_for(state="detached")
    datasets.wait()
    assert datasets.server(dataset_id)["counts"] == {"circles": 2}
    page.get_by_role("button", name="Delete this dataset").click()
    assert page.evaluate("document.activeElement.id") == "delete-no"  # the safe choice
    page.get_by_role("button", name="Yes, delete it").click()
    datasets.wait()
    assert page.request.get(f"/api/datasets/{dataset_id}").status == 404
    assert page.locator("#yours-list li").count() == 0


def test_a_dropped_folder_of_pictures_lands_in_the_class(datasets: DatasetsPage) -> None:
    datasets.create("Drop only")
    datasets.add_class("dots")
    datasets.drop("dots", [(f"d{i}.png", png(20 + i), "image/png") for i in range(4)])
    datasets.wait_count("dots", "4 pictures")
    assert datasets.card("dots").get_by_role("img").count() == 4
    assert "Added 4 pictures." in datasets.card("dots").get_by_role("status").text_content()


def test_a_zip_import_shows_progress_then_what_was_skipped_and_why(
        datasets: DatasetsPage) -> None:
    page = datasets.page
    entries = {f"cats/{i}.png": png(40 + i, side=32) for i in range(5)}
    entries |= {f"dogs/{i}.png": png(60 + i, side=32) for i in range(5)}
    entries["dogs/readme.txt"] = b"not a picture"
    page.get_by_label("Name", exact=True).fill("Pets")
    page.get_by_label("Zip file").set_input_files(
        {"name": "pets.zip", "mimeType": "application/zip", "buffer": zip_of(entries)})
    page.get_by_role("button", name="Import the zip").click()
    datasets.wait()
    status = page.locator("#zip-status").text_content() or ""
    assert "stored 10 pictures in 2 classes; skipped 1" in status
    summary = page.locator("#zip-summary").get_by_role("alert").text_content() or ""
    assert "readme.txt" in summary
    assert "not an image" in summary
    page.get_by_role("heading", name="Pets", level=2).wait_for()
    datasets.wait_count("cats", "5 pictures")
    datasets.wait_count("dogs", "5 pictures")
    assert page.get_by_role("button", name="Pets").get_attribute("aria-current") == "true"


def test_train_on_this_opens_training_with_the_dataset_and_a_network(
        datasets: DatasetsPage) -> None:
    page = datasets.page
    dataset_id = datasets.create("Ready", size=16)
    for name, start in (("up", 0), ("down", 10)):
        datasets.add_class(name)
        page.get_by_label(f"Choose pictures for {name}").set_input_files([
            {"name": f"{i}.png", "mimeType": "image/png", "buffer": png(start + i)}
            for i in range(5)])
        datasets.wait_count(name, "5 pictures")
    assert "Ready to train" in (page.locator("#train-hint").text_content() or "")
    page.get_by_role("link", name="Train on this").click()
    page.wait_for_url(f"**/training?dataset={dataset_id}&preset=lenet-mnist")
    wait_state(page, "idle")
    select = page.get_by_role("combobox", name="Dataset", exact=True)
    assert select.input_value() == dataset_id
    assert select.locator("option:checked").text_content() == "Ready"
    assert page.get_by_label("Preset", exact=True).input_value() == "lenet-mnist"
    assert "Yours: Ready, 2 classes" in (page.locator("#dataset-info").text_content() or "")
