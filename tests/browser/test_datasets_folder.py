"""Folders on the Datasets page, the way they come from a desktop: a real folder (with a
folder inside it) dropped on a class through Chromium's own drag and drop, and a folder
chosen with the class's folder input. A big folder is added in batches and its progress
bar moves forward while it uploads."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from datasets_page import DatasetsPage, open_datasets, png

pytestmark = pytest.mark.browser

# Every value the class's progress bar shows while it is visible, one per frame.
RECORD_PROGRESS = """(name) => {
  window.progressSeen = [];
  const tick = () => {
    const bar = document.querySelector(`li.class-card[data-class-name="${name}"] progress`);
    if (bar && !bar.hidden) window.progressSeen.push(bar.value);
    requestAnimationFrame(tick);
  };
  tick();
}"""


@pytest.fixture
def datasets(browser: Any, base_url: str) -> Iterator[DatasetsPage]:
    yield from open_datasets(browser, base_url, viewport={"width": 1280, "height": 900})


def folder_of_pictures(root: Path, top: int, inner: int, seed: int) -> Path:
    """root/<top pictures>, root/more/<inner pictures>, and a text file that is skipped."""
    (root / "more").mkdir(parents=True)
    for i in range(top):
        (root / f"p{i}.png").write_bytes(png(seed + i, side=16))
    for i in range(inner):
        (root / "more" / f"q{i}.png").write_bytes(png(seed + top + i, side=16))
    (root / "more" / "notes.txt").write_text("not a picture")
    return root


def drop_folder(datasets: DatasetsPage, name: str, folder: Path) -> None:
    """A real drop of a folder path on the class's box (CDP Input.dispatchDragEvent: what
    Chromium does when a folder is dragged in from the desktop)."""
    zone = datasets.card(name).locator(".class-drop")
    zone.scroll_into_view_if_needed()
    box = zone.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    cdp = datasets.page.context.new_cdp_session(datasets.page)
    data = {"items": [], "files": [str(folder)], "dragOperationsMask": 1}
    for kind in ("dragEnter", "dragOver", "drop"):
        cdp.send("Input.dispatchDragEvent", {"type": kind, "x": x, "y": y, "data": data})
    cdp.detach()


def test_a_dropped_folder_and_its_subfolder_land_in_the_class_with_progress(
        datasets: DatasetsPage, tmp_path: Path) -> None:
    page = datasets.page
    dataset_id = datasets.create("Folders")
    datasets.add_class("dots")
    folder = folder_of_pictures(tmp_path / "dots", top=100, inner=30, seed=300)
    page.evaluate(RECORD_PROGRESS, "dots")
    drop_folder(datasets, "dots", folder)
    datasets.wait_count("dots", "130 pictures")
    assert datasets.server(dataset_id)["counts"] == {"dots": 130}
    card = datasets.card("dots")
    assert "Added 130 pictures; skipped 1" in (card.get_by_role("status").text_content() or "")
    assert "notes.txt" in (card.get_by_role("alert").text_content() or "")
    seen = page.evaluate("window.progressSeen")
    # 130 pictures go in three batches (50 per request): the bar moved forward through
    # values between empty and full while they uploaded, never back.
    assert any(0 < value < 1 for value in seen), seen
    assert seen == sorted(seen), seen


def test_a_folder_chosen_with_the_folder_input_lands_in_the_class(
        datasets: DatasetsPage, tmp_path: Path) -> None:
    dataset_id = datasets.create("Chosen")
    datasets.add_class("rings")
    folder = folder_of_pictures(tmp_path / "rings", top=4, inner=3, seed=600)
    datasets.page.get_by_label("Choose a folder for rings").set_input_files(folder)
    datasets.wait_count("rings", "7 pictures")
    assert datasets.server(dataset_id)["counts"] == {"rings": 7}
    assert datasets.card("rings").get_by_role("img").count() == 7
