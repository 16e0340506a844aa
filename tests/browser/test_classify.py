"""The Classify page in a real browser with the real shipped model: digits drawn with the
mouse (and a finger on a tablet) are classified when the stroke ends; an MNIST test digit
uploaded as a PNG; a file that is not an image answered with the server's message next to
the upload control; the input the model saw, the saliency map and every layer's output
drawn; the model list by keyboard, damaged models greyed out; no sideways scrolling at
768 px."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from classify_page import (
    ACTIVE,
    BROKEN_ID,
    COPY_ID,
    PERCENT,
    Classify,
    Models,
    classify,
    mnist_test_digit,
    models,
    percent,
    tablet,
)
from page_checks import UNLABELLED

pytestmark = pytest.mark.browser
__all__ = ["classify", "models", "tablet"]  # the fixtures, imported so pytest finds them

ONE = [(0.5, 0.15), (0.5, 0.85)]
SEVEN = ([(0.22, 0.2), (0.75, 0.2)], [(0.75, 0.2), (0.42, 0.85)])

CANVAS_PNG = """() => document.querySelector('#draw-canvas').toDataURL('image/png')"""
IMAGES_DRAWN = """(selector) => [...document.querySelectorAll(selector)].filter(
  (img) => img.complete && img.naturalWidth > 0 && img.getBoundingClientRect().width > 0).length"""


def use_model(classify: Classify, model_id: str) -> None:
    if classify.model != model_id:
        classify.radio(model_id).check()
        classify.wait()
    assert classify.model == model_id


def server_answer(page: Any, model_id: str, name: str, data: bytes, mime: str) -> Any:
    """The same request the page makes, straight to the API."""
    return page.request.post(f"/api/models/{model_id}/predict?top_k=5",
                             multipart={"file": {"name": name, "mimeType": mime,
                                                 "buffer": data}})


def check_results_drawn(classify: Classify) -> None:
    """The input the model saw, the saliency map and every layer's output are on the page."""
    page = classify.page
    width, height, shown_w, shown_h = classify.image_size("#input-image")
    assert (width, height) == (28, 28)
    assert shown_w >= 4 * width  # upscaled, square pixels
    assert shown_h >= 4 * height
    steps = page.get_by_role("list", name="Preprocessing").get_by_role("listitem")
    assert steps.count() >= 2
    assert "normalized with mean" in steps.last.text_content()
    for selector in ("#saliency-overlay", "#saliency-heatmap"):
        width, height, shown_w, shown_h = classify.image_size(selector)
        assert (width, height) == (28, 28)
        assert min(shown_w, shown_h) > 0
    method = page.locator("#saliency-method").text_content()
    assert "Grad-CAM" in method or "Gradient" in method
    assert page.get_by_text("an approximation of what the model looks at").first.is_visible()
    layers = page.get_by_role("list", name=re.compile("Through the network")).get_by_role(
        "listitem")
    assert layers.count() == 7  # LeNet: conv, pool, conv, pool, flatten, dense, dense
    assert layers.first.text_content().startswith("0. conv2d 20 \u00d7 28 \u00d7 28")
    page.wait_for_function(f"({IMAGES_DRAWN})('.act-map') === 4")  # the four map layers
    assert page.locator(".act-bars").count() == 3  # flatten and the two dense layers
    assert "first 64 of 500 values" in layers.nth(5).text_content()
    assert "max" in layers.last.text_content()


def test_a_drawn_one_and_seven_are_classified_when_the_stroke_ends(
        classify: Classify, models: Models) -> None:
    page = classify.page
    assert page.locator('nav a[aria-current="page"]').text_content() == "Classify"
    use_model(classify, models.shipped)
    assert page.get_by_text("Draw or choose an image").is_visible()
    before = classify.answers()
    classify.stroke(ONE)
    classify.wait_answer(before)
    top = classify.top()
    assert top[0][0] == "1"
    assert PERCENT.match(top[0][1]), top[0][1]
    assert top[0][1].endswith("top")  # the top class says so in text, not only in colour
    assert len(top) == 5
    shown = PERCENT.match(top[0][1]).group(0)
    assert f"says \u201c1\u201d for your drawing, with {shown} probability" in classify.summary()
    # The page shows what the API answers for the same drawing
    png = page.evaluate(CANVAS_PNG)
    import base64

    data = base64.b64decode(png.split(",", 1)[1])
    answer = server_answer(page, models.shipped, "drawing.png", data, "image/png").json()
    assert answer["predictions"][0]["label"] == "1"
    assert percent(answer["predictions"][0]["probability"]) == shown
    steps = page.get_by_role("list", name="Preprocessing").all_text_contents()[0]
    assert "inverted" in steps  # black pen on white paper became light on dark
    check_results_drawn(classify)

    page.get_by_role("button", name="Clear").click()
    assert page.locator("#draw-canvas").get_attribute("data-strokes") == "0"
    assert page.get_by_role("list", name="Top predictions").get_by_role("listitem").count() == 0
    # A seven in two strokes, the second one quickly: classified once, after the second
    before = classify.answers()
    for stroke in SEVEN:
        classify.stroke(stroke)
    classify.wait_answer(before)
    assert classify.answers() == before + 1
    assert classify.top()[0][0] == "7", classify.top()


def test_an_uploaded_mnist_test_digit_and_the_curl_snippet(
        classify: Classify, models: Models) -> None:
    page = classify.page
    use_model(classify, models.shipped)
    data, label = mnist_test_digit(0)
    before = classify.answers()
    classify.upload("mnist-test-0.png", data)
    classify.wait_answer(before)
    assert classify.top()[0][0] == str(label)
    assert f"says \u201c{label}\u201d for mnist-test-0.png" in classify.summary()
    assert page.locator("#file-status").text_content() == f"Classified mnist-test-0.png: " \
        f"\u201c{label}\u201d."
    check_results_drawn(classify)
    # The curl snippet names this model and file, and its URL answers the same
    snippet = page.locator("#curl-snippet").text_content()
    assert 'curl -F "file=@mnist-test-0.png"' in snippet
    url = re.search(r'"(http://[^"]+)"', snippet).group(1)
    assert f"/api/models/{models.shipped}/predict?top_k=5" in url
    answer = page.request.post(url, multipart={"file": {
        "name": "mnist-test-0.png", "mimeType": "image/png", "buffer": data}})
    assert answer.ok
    assert answer.json()["predictions"][0]["label"] == str(label)
    page.get_by_role("button", name="Copy as curl").click()
    page.wait_for_function("document.querySelector('#curl-status').textContent !== ''")
    assert page.locator("#curl-status").text_content() in (
        "Copied.", "Selected: press Ctrl+C (\u2318C) to copy.")


def test_a_file_that_is_not_an_image_shows_the_servers_message_by_the_upload(
        classify: Classify, models: Models) -> None:
    page = classify.page
    use_model(classify, models.shipped)
    text = b"these are my notes, not a picture\n"
    before = classify.answers()
    classify.upload("notes.txt", text, "text/plain")
    classify.wait_answer(before, "error")
    answer = server_answer(page, models.shipped, "notes.txt", text, "text/plain")
    assert answer.status in (415, 422)
    message = answer.json()["detail"][0]["msg"]
    assert classify.error_near("Choose an image file") == message
    assert page.get_by_role("list", name="Top predictions").get_by_role("listitem").count() == 0
    assert page.get_by_text("No prediction: see the error message.").is_visible()
    # A good file afterwards clears the message
    data, label = mnist_test_digit(1)
    before = classify.answers()
    classify.upload("digit.png", data)
    classify.wait_answer(before)
    assert page.get_by_label("Choose an image file").get_attribute("aria-invalid") is None
    assert page.locator(".field-error:visible").count() == 0
    assert classify.top()[0][0] == str(label)


def test_the_model_list_by_keyboard_and_damaged_models_greyed(
        classify: Classify, models: Models) -> None:
    page = classify.page
    broken = models.by_id[BROKEN_ID]
    assert broken["damaged"]
    assert classify.radio(BROKEN_ID).is_disabled()
    item = page.locator(".model-item", has=classify.radio(BROKEN_ID))
    assert "damaged" in (item.get_attribute("class") or "")
    assert f"Damaged, cannot be used: {broken['damaged']}" in item.text_content()
    accuracy = models.by_id[models.shipped]["test_accuracy"]
    assert f"test accuracy {accuracy:.1%}" in page.locator(".model-item", has=classify.radio(
        models.shipped)).text_content()
    data, label = mnist_test_digit(0)
    before = classify.answers()
    classify.upload("digit.png", data)
    classify.wait_answer(before)
    first = classify.model
    # Tab to the model list (the chosen radio takes the focus), then an arrow key changes it
    for _ in range(40):
        page.keyboard.press("Tab")
        active = page.evaluate(ACTIVE)
        if active["name"] == "model":
            break
    else:
        raise AssertionError("the model list is not reachable with the Tab key")
    assert active["value"] == first
    before = classify.answers()
    page.keyboard.press("ArrowDown")
    classify.wait_answer(before)  # the same image, classified again by the new model
    second = classify.model
    assert second != first
    assert second in (models.shipped, COPY_ID)
    assert classify.radio(second).is_checked()
    assert models.by_id[second]["name"] in classify.summary()
    assert classify.top()[0][0] == str(label)
    # A test image is a button: Tab to it and press Enter
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('test-image')"):
            break
    else:
        raise AssertionError("the test images are not reachable with the Tab key")
    shown = page.evaluate("document.activeElement.dataset.label")
    before = classify.answers()
    page.keyboard.press("Enter")
    classify.wait_answer(before)
    summary = classify.summary()
    assert "for mnist test" in summary
    verdict = "Right" if classify.top()[0][0] == shown else "Wrong"  # the model can err
    assert summary.endswith(f"{verdict}: it is a \u201c{shown}\u201d.")
    assert page.evaluate(UNLABELLED) == []


def test_a_tablet_draws_by_touch_without_sideways_scrolling(
        tablet: Classify, models: Models) -> None:
    page = tablet.page
    use_model(tablet, models.shipped)
    assert page.locator("#draw-canvas").evaluate("(c) => getComputedStyle(c).touchAction") \
        == "none"
    before = tablet.answers()
    tablet.touch_stroke(ONE)
    tablet.wait_answer(before)
    assert tablet.top()[0][0] == "1"
    page.wait_for_function(f"({IMAGES_DRAWN})('.act-map') === 4")
    assert page.evaluate("document.documentElement.scrollWidth") <= 768
    image = page.locator(".image-panel").bounding_box()
    prediction = page.locator(".prediction-panel").bounding_box()
    assert prediction["x"] > image["x"] + image["width"] - 1  # side by side
    assert abs(prediction["y"] - image["y"]) < 2
    assert page.evaluate(UNLABELLED) == []


def test_the_model_list_shows_versions_and_alias_tags(
        classify: Classify, models: Models, server_models_dir: Path) -> None:
    """A second version of the copy's name (saved with version 2, as the store numbers a
    new save): the list shows "name v1" and "name v2", default on the newer one."""
    name = models.by_id[COPY_ID]["name"]
    newer = server_models_dir / f"{COPY_ID}-v2"
    shutil.copytree(server_models_dir / COPY_ID, newer)
    manifest = json.loads((newer / "manifest.json").read_text())
    manifest.update(id=newer.name, version=2, metrics={})  # no test accuracy: not best
    (newer / "manifest.json").write_text(json.dumps(manifest, indent=1))
    try:
        page = classify.page
        page.reload()
        classify.wait()
        old, new = (page.locator(".model-item", has=classify.radio(i)) for i in (COPY_ID,
                                                                                 newer.name))
        assert old.locator(".model-name").text_content() == f"{name} v1best"
        assert new.locator(".model-name").text_content() == f"{name} v2default"
        assert new.locator(".alias-tag").all_text_contents() == ["default"]
        shipped = page.locator(".model-item", has=classify.radio(models.shipped))
        assert shipped.locator(".alias-tag").all_text_contents() == ["best", "default"]
        # the radio's accessible name carries the version and the aliases
        radio = page.get_by_role("radio", name=re.compile(rf"{re.escape(name)} v2\s*default"))
        assert radio.get_attribute("value") == newer.name
        radio.focus()
        page.keyboard.press("ArrowUp")
        assert page.locator('input[name="model"]:checked').get_attribute("value") != newer.name
        assert page.evaluate(UNLABELLED) == []
    finally:
        shutil.rmtree(newer, ignore_errors=True)
