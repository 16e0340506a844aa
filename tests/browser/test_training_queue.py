"""A run that has to wait shows its place in line and why, live, until it starts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from page_checks import TINY, open_view

pytestmark = pytest.mark.browser



@pytest.fixture
def page(browser: Any, base_url: str) -> Iterator[Any]:
    class View:
        def __init__(self, page: Any) -> None:
            self.page = page

        def wait(self, state: str) -> None:
            self.page.wait_for_selector(f"body[data-state={state}]", state="attached")

    for view in open_view(browser, base_url, "/training", View,
                          viewport={"width": 1024, "height": 768}):
        yield view.page


def test_a_queued_run_shows_its_place_and_then_trains(page: Any) -> None:
    body = {"network": TINY, "dataset": "mnist",
            "training": {"epochs": 200, "batch_size": 32, "max_train_samples": 600}}
    # This browser's session may train two runs at once (CNNPG_SESSION_MAX_ACTIVE_RUNS):
    # a third one waits for one of them, whatever else the server has free.
    first, second = (page.request.post("/api/runs", data=body).json()["id"] for _ in range(2))
    third = page.request.post("/api/runs", data={**body, "training": {
        **body["training"], "epochs": 1}}).json()["id"]
    page.goto(f"/training#run={third}")
    page.wait_for_selector("#run-status[data-status=queued]")
    queue = page.locator("#run-queue")
    queue.wait_for(state="visible")
    # While the server's workers warm up all three wait ("3rd in line ... warm worker");
    # then the first two train and the page is told, live, that this one is next.
    page.wait_for_function("document.querySelector('#run-queue').textContent.includes("
                           "'your session already trains 2 runs at once')", timeout=90_000)
    text = queue.text_content()
    assert text.startswith("Next in line"), text
    assert page.locator("#run-queue").get_attribute("data-position") == "1"
    assert page.locator("#run-status").text_content() == "Queued"
    page.request.post(f"/api/runs/{first}/stop")
    page.wait_for_selector("#run-status[data-status=running], #run-status[data-status=finished]",
                           timeout=30_000)
    assert queue.is_hidden()
    page.request.post(f"/api/runs/{second}/stop")
