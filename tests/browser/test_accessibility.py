"""Keyboard-only use, labels, focus, colours, touch and the 1024 px / tablet layouts."""

from __future__ import annotations

import re
from typing import Any

import pytest
from page_checks import UNLABELLED

pytestmark = pytest.mark.browser

ACTIVE = """() => {
  const el = document.activeElement;
  return {id: el.id, label: el.getAttribute('aria-label') || '', tag: el.tagName,
          outline: getComputedStyle(el).outlineStyle};
}"""

def tab_to(page: Any, predicate: Any, limit: int = 200) -> dict[str, Any]:
    """Press Tab until the focused element matches; fail if it is never reached."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        active = page.evaluate(ACTIVE)
        if predicate(active):
            return dict(active)
    raise AssertionError("not reachable with the Tab key")


def test_keyboard_only_preset_and_grid_cell(page: Any, lab: Any) -> None:
    active = tab_to(page, lambda a: a["id"] == "preset-select")
    assert active["outline"] != "none"  # focus is visible
    page.keyboard.type("Sobel X")  # type-ahead in the closed list
    lab.wait()
    assert lab.control("Preset").input_value() == "sobel_x"
    assert lab.request()["spec"]["steps"][0]["kernel"] == "sobel_x"
    active = tab_to(page, lambda a: a["label"].startswith("Weight row"))
    assert active["label"] == "Weight row 1, column 1"
    assert active["outline"] != "none"
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowRight")  # the whole value is selected: move on
    assert page.evaluate(ACTIVE)["label"] == "Weight row 2, column 2"
    page.keyboard.press("Control+A")
    page.keyboard.type("4")
    lab.wait()
    assert lab.request()["spec"]["steps"][0]["matrix"][1][1] == 4
    assert lab.canvas() == lab.server_png()


def test_keyboard_explains_a_pixel_of_the_result(page: Any, lab: Any) -> None:
    tab_to(page, lambda a: a["id"] == "result-canvas")
    page.keyboard.press("ArrowRight")
    page.wait_for_function(
        "document.querySelector('#explain-heading').textContent.startsWith('Result pixel')")
    lab.wait()
    assert "(x 256, y 256)" in (page.locator("#explain-heading").text_content() or "")
    assert page.locator("#cursor-box").is_visible()
    page.keyboard.press("Shift+ArrowDown")
    page.wait_for_function(
        "document.querySelector('#explain-heading').textContent.includes('y 266')")


def test_every_control_is_labelled_and_reachable(page: Any) -> None:
    assert page.evaluate(UNLABELLED) == []
    seen: set[str] = set()
    for _ in range(400):
        page.keyboard.press("Tab")
        active = page.evaluate(ACTIVE)
        seen.add(active["id"] or active["label"])
        if active["id"] == "num-next":
            break
    for control in ["file-input", "sample-select", "preset-select", "grid-rows", "grid-cols",
                    "Weight row 3, column 3", "scale-input", "normalize-input", "padding-select",
                    "padding-amount-kind", "stride-input", "dilation-input", "channels-select",
                    "output-select", "add-step", "zoom-select", "download-link",
                    "result-canvas", "num-example", "num-stride", "num-padding", "numeric-walk",
                    "num-next"]:
        assert control in seen, control


def test_weights_use_a_blue_orange_palette_and_say_their_sign(page: Any, lab: Any) -> None:
    lab.pick_preset("Sobel X")
    colours = page.evaluate("""() => [...document.querySelectorAll('#kernel-cells input')]
      .map((el) => [el.value, getComputedStyle(el).backgroundColor])""")
    for value, colour in colours:
        r, _, b = (int(v) for v in re.findall(r"\d+", colour)[:3])
        if float(value) < 0:
            assert b > r, (value, colour)  # blue
        elif float(value) > 0:
            assert r > b, (value, colour)  # orange
        else:
            assert abs(r - b) < 10, (value, colour)  # neutral
    assert any(v.startswith("-") for v, _ in colours)  # the sign is written, not only coloured


def test_the_page_loads_nothing_from_outside(browser: Any, base_url: str) -> None:
    context = browser.new_context(bypass_csp=True, base_url=base_url)
    page = context.new_page()
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    page.goto("/")
    page.wait_for_selector("body[data-state=idle]", state="attached")
    context.close()
    outside = [u for u in urls if not u.startswith((base_url, "ws://127.0.0.1", "data:", "blob:"))]
    assert urls
    assert outside == []


@pytest.mark.parametrize("width", [1024, 820])
def test_no_horizontal_scrolling(browser: Any, base_url: str, width: int) -> None:
    context = browser.new_context(bypass_csp=True, base_url=base_url,
                                  viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto("/")
    page.wait_for_selector("body[data-state=idle]", state="attached")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    boxes = page.evaluate("""() => ['#pane-original', '#pane-result'].map((s) => {
      const r = document.querySelector(s).getBoundingClientRect();
      return [r.left, r.top, r.width];
    })""")
    assert boxes[0][1] == boxes[1][1]  # side by side
    assert boxes[0][2] == pytest.approx(boxes[1][2], abs=1)
    context.close()


def test_tapping_a_result_pixel_on_a_tablet_explains_it(tablet: Any) -> None:
    viewer = tablet.locator(".viewer").bounding_box()
    controls = tablet.locator(".controls").bounding_box()
    assert viewer["y"] < controls["y"]  # the images come first on a narrow screen
    tablet.locator("#result-canvas").tap(position={"x": 30, "y": 50})
    tablet.wait_for_function(
        "document.querySelector('#explain-heading').textContent.startsWith('Result pixel')")
    tablet.wait_for_selector("body[data-state=idle]", state="attached")
    assert tablet.locator("#explain-body table.sum-grid").count() == 1
    assert "sum of products" in (tablet.locator("#explain-body").text_content() or "")


def test_datasets_page_works_from_the_keyboard_with_visible_focus(browser: Any,
                                                                  base_url: str) -> None:
    """Create a dataset and a class with the keyboard alone; every control of the open
    dataset is labelled and reachable with Tab, its focus visible; nothing loads from outside
    and nothing scrolls sideways at 1024 px."""
    context = browser.new_context(bypass_csp=True, base_url=base_url,
                                  viewport={"width": 1024, "height": 768})
    page = context.new_page()
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    page.goto("/datasets")
    page.wait_for_selector("body[data-state=idle]", state="attached")
    active = tab_to(page, lambda a: a["id"] == "new-name")
    assert active["outline"] != "none"
    page.keyboard.press("Control+A")
    page.keyboard.type("Keys")
    page.keyboard.press("Enter")  # submits the form: creates the dataset
    page.wait_for_selector("body[data-open]", state="attached")
    page.wait_for_selector("body[data-state=idle]", state="attached")
    assert page.evaluate(ACTIVE)["id"] == "class-name"  # ready for the first class
    page.keyboard.type("left")
    page.keyboard.press("Enter")
    page.wait_for_selector('li.class-card[data-class-name="left"]')
    page.wait_for_selector("body[data-state=idle]", state="attached")
    assert page.evaluate(UNLABELLED) == []
    seen: set[str] = set()
    for _ in range(80):
        page.keyboard.press("Tab")
        active = page.evaluate(ACTIVE)
        if active["tag"] == "BODY":  # past the last control, before the first again
            continue
        assert active["outline"] != "none", active
        seen.add(active["id"] or active["label"])
    for control in ["train-link", "export-link", "delete-dataset", "webcam-start",
                    "webcam-class", "Delete the class left"]:
        assert control in seen, control
    labels = page.evaluate("""() => [...document.querySelectorAll('.class-card input')]
      .map((el) => el.labels[0].textContent)""")
    assert labels == ["Choose pictures for left", "Choose a folder for left"]
    assert page.evaluate("document.documentElement.scrollWidth") <= 1024
    context.close()
    outside = [u for u in urls if not u.startswith((base_url, "data:", "blob:"))]
    assert outside == []
