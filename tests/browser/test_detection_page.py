"""The Detection page (#18): a cell's label vector, the IoU playground by keyboard and mouse,
and NMS step by step with threshold sliders."""

from __future__ import annotations

import json
from collections.abc import Iterator
from fractions import Fraction
from typing import Any

import pytest
from conftest import wait_state
from page_checks import UNLABELLED, open_view

pytestmark = pytest.mark.browser


class Detection:
    def __init__(self, page: Any):
        self.page = page

    def wait(self, state: str) -> None:
        wait_state(self.page, state)

    def iou_text(self) -> str:
        self.wait("idle")
        return str(self.page.locator("#iou-value").text_content())

    def box(self, name: str) -> list[int]:
        form = self.page.locator("#iou-form")
        return [int(form.locator(f"input[name={name}-{k}]").input_value()) for k in "xywh"]


@pytest.fixture
def detection(browser: Any, base_url: str) -> Iterator[Detection]:
    yield from open_view(browser, base_url, "/detection", Detection,
                         viewport={"width": 1280, "height": 1000})


def iou(a: list[int], b: list[int]) -> Fraction:
    w = max(0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    h = max(0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    return Fraction(w * h, a[2] * a[3] + b[2] * b[3] - w * h)


def test_a_cell_s_label_vector_follows_the_keyboard_and_the_mouse(detection: Detection) -> None:
    page = detection.page
    assert page.get_by_role("link", name="Detection").get_attribute("aria-current") == "page"
    scene = page.request.get("/api/detection/scenes/test/0").json()
    first = scene["objects"][0]
    x, y, w, h = first["box"]
    row, col = int((y + h / 2) // 16), int((x + w / 2) // 16)
    grid = page.locator("#grid-canvas")
    assert grid.get_attribute("data-cell") == f"{row},{col}"
    assert f"digit {first['name']}" in page.locator("#cell-caption").text_content()
    assert page.locator("#label-body").get_by_role("row", name="P").text_content().count("1") >= 1
    assert page.locator("#scene-objects li").count() == len(scene["objects"])
    # Keyboard: the arrows walk the grid; an empty cell shows "?" for what does not matter.
    empty = next((r, c) for r in range(6) for c in range(6)
                 if all(s[0] == 0 for s in scene["labels"][r][c]))
    grid.focus()
    for _ in range(6):
        page.keyboard.press("ArrowUp")
        page.keyboard.press("ArrowLeft")
    assert grid.get_attribute("data-cell") == "0,0"
    for _ in range(empty[0]):
        page.keyboard.press("ArrowDown")
    for _ in range(empty[1]):
        page.keyboard.press("ArrowRight")
    assert grid.get_attribute("data-cell") == f"{empty[0]},{empty[1]}"
    assert "don't care" in page.locator("#cell-caption").text_content()
    assert page.locator("#label-body").get_by_role("row", name="x").text_content().count("?") == 2
    # Mouse: a click picks the cell under the pointer.
    box = grid.bounding_box()
    page.mouse.click(box["x"] + box["width"] * (col + 0.5) / 6,
                     box["y"] + box["height"] * (row + 0.5) / 6)
    assert grid.get_attribute("data-cell") == f"{row},{col}"
    # Another scene; a number out of range is refused at the field.
    page.get_by_label("Scene (0 to 999)").fill("7")
    page.get_by_role("button", name="Show scene").click()
    page.wait_for_selector("#detection[data-scene='7']")
    page.get_by_label("Scene (0 to 999)").fill("1000")
    page.get_by_role("button", name="Show scene").click()
    detection.wait("error")
    error = page.locator("[data-loc=index] .field-error")
    assert "0 to 999" in error.text_content()
    page.get_by_role("button", name="Next scene").click()
    page.wait_for_selector("#detection[data-scene='8']")
    assert error.count() == 0
    assert page.evaluate(UNLABELLED) == []


def test_the_iou_playground_by_keyboard_and_by_typing(detection: Detection) -> None:
    page = detection.page
    assert "1/7" in detection.iou_text()  # the lecture-style example: 400 / 2800
    assert "U = A + B - I" in page.locator("#iou-text").text_content()
    box_b = page.locator("[data-box=b]")
    box_b.focus()
    for _ in range(20):
        page.keyboard.press("ArrowLeft")
        page.keyboard.press("ArrowUp")
    assert detection.box("b") == [10, 10, 40, 40]
    assert detection.iou_text() == "1"
    for _ in range(10):
        page.keyboard.press("Shift+ArrowRight")
    assert detection.box("b") == [10, 10, 50, 40]
    assert detection.iou_text().startswith("4/5")
    assert "width 50" in box_b.get_attribute("aria-label")
    # A zero width typed in is refused at box B's fields, and the fix clears it.
    page.locator("input[name=b-w]").fill("0")
    detection.wait("error")
    message = page.locator("[data-loc=b] .field-error").text_content()
    assert "width" in message
    assert "0" in message
    assert page.locator("#iou-value").text_content() == "?"
    page.locator("input[name=b-w]").fill("20")
    assert detection.iou_text().startswith("1/2")
    assert page.locator("[data-loc=b] .field-error").count() == 0


def test_the_iou_playground_by_mouse_drag_and_resize(detection: Detection) -> None:
    page = detection.page
    page.locator("#iou-plane").scroll_into_view_if_needed()
    plane = page.locator("#iou-plane").bounding_box()
    unit = plane["width"] / 100

    def drag(x: float, y: float, dx: float, dy: float) -> None:
        page.mouse.move(plane["x"] + x * unit, plane["y"] + y * unit)
        page.mouse.down()
        page.mouse.move(plane["x"] + (x + dx) * unit, plane["y"] + (y + dy) * unit, steps=8)
        page.mouse.up()

    drag(20, 20, 45, 0)  # box A's inside (not under B): A moves 45 right
    a, b = detection.box("a"), detection.box("b")
    assert a[1:] == [10, 40, 40]
    assert 53 <= a[0] <= 57
    expected = iou(a, b)
    assert detection.iou_text().startswith(f"{expected.numerator}/{expected.denominator}")
    drag(70, 70, -20, -25)  # box B's corner handle: B shrinks
    b = detection.box("b")
    assert b[:2] == [30, 30]
    assert 18 <= b[2] <= 22
    assert 13 <= b[3] <= 17
    expected = iou(detection.box("a"), b)
    shown = detection.iou_text()
    assert (shown == "0" if expected == 0
            else shown.startswith(f"{expected.numerator}/{expected.denominator}"))


def test_nms_steps_through_the_proposals_and_the_sliders_change_what_is_kept(
        detection: Detection) -> None:
    page = detection.page
    scene = page.request.get("/api/detection/scenes/test/0").json()
    proposals = scene["proposals"]

    def expected(iou_threshold: float, score_threshold: float) -> dict[str, Any]:
        return page.request.post("/api/detection/nms", data={  # type: ignore[no-any-return]
            **proposals, "iou_threshold": iou_threshold, "score_threshold": score_threshold,
            "format": "xywh"}).json()

    answer = expected(0.5, 0.1)
    status = page.locator("#nms-status")
    assert f"{len(proposals['boxes'])} boxes proposed" in status.text_content()
    rows = page.locator("#nms-body tr")
    assert rows.count() == len(proposals["boxes"])
    next_step = page.get_by_role("button", name="Next step")
    for n, step in enumerate(answer["steps"], start=1):
        next_step.click()
        assert status.text_content().startswith(f"Step {n} of {len(answer['steps'])}")
        assert page.locator(f"#nms-body tr[data-box='{step['kept']}']").get_attribute(
            "data-state") == "current"
        for removed in step["removed"]:
            assert page.locator(f"#nms-body tr[data-box='{removed['index']}']").get_attribute(
                "data-state") == "removed"
    assert next_step.is_disabled()
    assert "Done" in status.text_content()
    kept = page.locator("#nms-body tr[data-state=kept], #nms-body tr[data-state=current]")
    assert kept.count() == len(answer["keep"])
    # A stricter IoU threshold (by keyboard: End = 1) removes nothing: every box above the
    # score threshold is kept.
    page.get_by_label("IoU threshold").focus()
    page.keyboard.press("End")
    detection.wait("idle")
    assert page.locator("#nms-iou-value").text_content() == "1"
    page.get_by_role("button", name="All steps").click()
    loose = expected(1.0, 0.1)
    assert kept.count() == len(loose["keep"]) > len(answer["keep"])
    page.get_by_role("button", name="Start over").click()
    assert kept.count() == 0
    assert page.get_by_role("button", name="Previous step").is_disabled()


def test_the_page_fits_a_narrow_screen_without_sideways_scrolling(browser: Any,
                                                                   base_url: str) -> None:
    context = browser.new_context(base_url=base_url, viewport={"width": 820, "height": 900})
    page = context.new_page()
    page.goto("/detection")
    page.wait_for_selector("#detection[data-scene='0']")
    assert page.evaluate("document.documentElement.scrollWidth") <= 820
    context.close()


def test_train_the_detector_live_then_find_digits_drawn_on_the_pad(
        detection: Detection) -> None:
    page = detection.page
    find = page.get_by_role("button", name="Find the digits")
    page.wait_for_function("document.querySelector('#draw-model option') !== null")
    had = page.locator("#draw-model option[value^='yolo']").count()
    if had == 0:
        assert find.is_disabled()  # no detector yet: the pad says to train one
        assert "train one above" in page.locator("#draw-model").text_content()
    page.get_by_label("Training", exact=True).select_option("quick")
    page.get_by_role("button", name="Train", exact=True).click()
    canvas = page.locator("#train-canvas")
    page.wait_for_selector("#train-canvas[data-kept]", timeout=60_000)  # boxes streamed
    page.wait_for_selector("#map-body tr[data-epoch='1']", timeout=120_000)
    assert page.get_by_role("button", name="Stop").is_enabled()
    page.wait_for_selector("#train-canvas[data-status=finished]", timeout=180_000)
    rows = page.locator("#map-body tr")
    assert rows.count() == 4
    maps = [float(rows.nth(i).locator("td").nth(1).text_content()) for i in range(4)]
    assert maps[-1] > 0.2  # far above predicting nothing (0)
    assert "mAP@0.5" in page.locator("#map-chart").get_attribute("aria-label")
    status = page.locator("#train-status").text_content()
    assert status.startswith("Finished: mAP@0.5")
    assert page.locator("#train-progress").evaluate("p => p.value") == 1
    assert canvas.get_attribute("data-kept") == str(page.locator("#train-boxes li").count())
    # The new detector is offered on the pad; a test scene put on it is found.
    page.wait_for_function("document.querySelector('#draw-model').value.startsWith('yolo')")
    assert find.is_enabled()
    page.get_by_label("Score threshold: 0.25").fill("0.1")
    page.get_by_role("button", name="Put a test scene").click()
    detection.wait("idle")
    truth = page.locator("#draw-status").text_content()
    find.click()
    detection.wait("idle")
    found = page.locator("#draw-found li")
    assert found.count() >= 1, truth
    assert found.first.text_content().startswith("Digit ")
    # Drawing with the mouse clears the old answer; Clear empties the pad.
    pad = page.locator("#draw-canvas")
    box = pad.bounding_box()
    page.mouse.move(box["x"] + 50, box["y"] + 60)
    page.mouse.down()
    page.mouse.move(box["x"] + 60, box["y"] + 140, steps=6)
    page.mouse.up()
    inked = pad.evaluate("c => c.getContext('2d').getImageData(55, 100, 1, 1).data[0]")
    assert inked == 255
    page.get_by_role("button", name="Clear").click()
    blank = pad.evaluate("c => c.getContext('2d').getImageData(55, 100, 1, 1).data[0]")
    assert blank == 0
    assert found.count() == 0
    assert page.evaluate(UNLABELLED) == []


def test_a_detector_from_the_builder_trains_here_and_its_mistake_is_shown_at_the_network(
        browser: Any, base_url: str) -> None:
    browser_spec = {"input": {"channels": 1, "height": 64, "width": 64}, "layers": [
        {"type": "conv2d", "filters": 4, "kernel_size": 3, "padding": "same"},
        {"type": "max_pool2d", "pool_size": 8},
        {"type": "detection_head", "boxes": 2, "classes": 10}]}
    context = browser.new_context(base_url=base_url)
    context.add_init_script(f"localStorage.setItem('cnnpg.spec', '{json.dumps(browser_spec)}')")
    page = context.new_page()
    page.goto("/training")
    page.wait_for_selector("body[data-state=idle]", state="attached")
    note = page.locator("#builder-summary")
    assert "detection head" in note.text_content()
    assert note.get_by_role("link", name="Detection page").get_attribute("href") == "/detection"
    assert page.locator("#source-builder").is_disabled()
    page.goto("/detection")
    page.wait_for_selector("#detection[data-scene='0']")
    page.get_by_label("Network").select_option("builder")
    page.get_by_role("button", name="Train", exact=True).click()
    wait_state(page, "error")
    error = page.locator("[data-loc=network] .field-error").text_content()
    assert "64 x 64" in error
    assert "96 x 96" in error
    context.close()
