"""Replay in the browser (#19): scrub a finished run's kept points with the slider (keyboard
and mouse), see the panels as they were then, return to live, fork a point, and replay a
stored model's training from its page address."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from page_checks import TINY, UNLABELLED, PageView, open_view

pytestmark = pytest.mark.browser


class Replay(PageView):
    def first_map(self) -> str:
        return str(self.page.locator("#activations-body canvas").first.evaluate(
            "c => c.toDataURL()"))

    def at(self, point: int) -> str:
        self.page.wait_for_selector(f"#replay-panel[data-point='{point}']")
        self.wait("idle")
        return str(self.page.locator("#replay-at").text_content())


@pytest.fixture
def replay(browser: Any, base_url: str) -> Iterator[Replay]:
    yield from open_view(browser, base_url, "/training", Replay,
                         viewport={"width": 1280, "height": 1000})


def test_scrub_a_finished_run_fork_a_point_and_replay_its_model(replay: Replay) -> None:
    page = replay.page
    body = {"network": TINY, "dataset": "mnist", "training": {
        "epochs": 2, "batch_size": 32, "max_train_samples": 600, "validation_split": 0.2}}
    run_id = page.request.post("/api/runs", data=body).json()["id"]
    for _ in range(600):  # opened once finished: the page draws the run's last frames
        if page.request.get(f"/api/runs/{run_id}").json()["status"] == "finished":
            break
        page.wait_for_timeout(100)
    page.goto(f"/training#run={run_id}")
    page.wait_for_selector("body[data-run-status=finished]", timeout=60_000)
    slider = page.get_by_label("Point", exact=True)
    page.wait_for_function("!document.querySelector('#replay-slider').disabled")
    assert page.locator("#replay-count").text_content() == "6 points kept."
    page.wait_for_selector("#activations-body canvas")  # the run's last frames, drawn
    live_map = replay.first_map()
    slider.focus()
    page.keyboard.press("Home")
    assert replay.at(0) == "Step 1 (epoch 1 of 2, before the first evaluation)"
    assert page.locator("#evaluation-waiting").is_visible()  # no evaluation yet at step 1
    early_map = replay.first_map()
    assert early_map != live_map  # the first conv layer's maps changed since step 1
    page.keyboard.press("ArrowRight")
    assert replay.at(1).startswith("Step 2 ")
    page.keyboard.press("End")
    assert replay.at(5) == "Step 30 (epoch 2 of 2, 2 epochs done)"
    assert page.locator("#evaluation-waiting").is_hidden()
    assert replay.first_map() == live_map  # the last point is the end of the run
    page.get_by_role("button", name="Back to live").click()
    assert page.locator("#replay-at").text_content() == "Live"
    assert replay.first_map() == live_map
    # Fork the weights at step 2, then replay the saved model from its own address.
    slider.fill("1")
    replay.at(1)
    page.get_by_role("button", name="Fork the weights at this point").click()
    replay.wait("idle")
    assert page.locator("#replay-status").text_content().startswith("Forked as ")
    link = page.get_by_role("link", name="Train on from it")
    assert link.get_attribute("href").startswith("/training#from=")
    model_id = page.request.get(f"/api/runs/{run_id}").json()["model_id"]
    page.goto(f"/training?replay={model_id}")
    page.wait_for_function("!document.querySelector('#replay-slider').disabled")
    page.get_by_label("Point", exact=True).fill("2")
    assert replay.at(2).startswith("Step 4 ")
    assert page.evaluate(UNLABELLED) == []
