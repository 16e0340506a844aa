"""The Network Builder in a real browser: JSON export and import, PyTorch export, the
shareable URL, the drawing, stale answers, the tablet layout and accessibility."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from builder_page import Builder, builder, open_builder, shape_text
from page_checks import UNLABELLED

pytestmark = pytest.mark.browser
__all__ = ["builder"]  # the fixture, imported so pytest finds it here


def test_json_export_and_import(builder: Builder, tmp_path: Path) -> None:
    page = builder.page
    builder.load_preset("lenet-mnist")
    builder.field(5, "Units").fill("64")
    builder.wait()
    titles, shapes = builder.titles(), builder.shapes()
    with page.expect_download() as info:
        page.get_by_role("button", name="Download JSON").click()
    download = info.value
    assert download.suggested_filename == "lenet-for-mnist.json"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    spec = json.loads(path.read_text())
    assert spec == builder.spec_in_url()
    assert spec["layers"][5]["units"] == 64
    builder.load_preset("mlp-cifar10")
    assert builder.titles() != titles
    page.get_by_text("Import JSON").click()
    page.get_by_label("Import a .json file").set_input_files(str(path))
    builder.wait()
    assert builder.titles() == titles
    assert builder.shapes() == shapes
    assert builder.spec_in_url() == spec


def test_pytorch_export_downloads_the_server_source(builder: Builder, tmp_path: Path) -> None:
    page = builder.page
    builder.load_preset("lenet-mnist")
    with page.expect_download() as info:
        page.get_by_role("button", name="Download PyTorch (.py)").click()
    builder.wait()
    download = info.value
    assert download.suggested_filename == "lenet-for-mnist.py"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    response = page.request.post("/api/networks/export?name=LeNet%20for%20MNIST",
                                 data=builder.spec_in_url())
    assert path.read_text() == response.text()
    assert "class Network(nn.Module)" in path.read_text()
    # An invalid network cannot be exported: the reason is shown, until the next edit
    builder.field(0, "Filters").fill("0")
    builder.wait("error")
    page.get_by_role("button", name="Download PyTorch (.py)").click()
    alert = page.locator("#tools-error")
    alert.get_by_text("The PyTorch export needs a valid network").wait_for()
    assert "filters" in (alert.text_content() or "")
    builder.field(0, "Filters").fill("20")
    builder.wait()
    assert alert.is_hidden()


def test_a_bad_import_shows_why_and_keeps_the_stack(builder: Builder) -> None:
    page = builder.page
    builder.load_preset("lenet-mnist")
    page.get_by_text("Import JSON").click()
    pasted = page.get_by_label("Or paste a network spec (JSON)")
    pasted.fill('{"input": {"channels": 1, "height": 28, "width": 28}, "layers": [')
    page.get_by_role("button", name="Import the pasted JSON").click()
    builder.wait("error")
    assert pasted.get_attribute("aria-invalid") == "true"
    assert "not valid JSON" in (page.locator('[data-loc="paste"] .field-error').text_content()
                                or "")
    pasted.fill('{"input": {"channels": 1, "height": 28, "width": 28},'
                ' "layers": [{"type": "conv3d"}, {"type": "dense", "unit": 3}]}')
    page.get_by_role("button", name="Import the pasted JSON").click()
    errors = page.locator('[data-loc="paste"] .field-error').all_text_contents()
    assert any('unknown type "conv3d"' in e and "conv2d" in e for e in errors)
    assert any("unit is not a field of dense" in e for e in errors)
    assert builder.cards().count() == 7  # nothing replaced
    # A valid paste with a value error: loaded, and the error lands on the card
    pasted.fill('{"input": {"channels": 1, "height": 8, "width": 8},'
                ' "layers": [{"type": "conv2d", "kernel_size": 3, "stride": 2}]}')
    page.get_by_role("button", name="Import the pasted JSON").click()
    builder.wait("error")
    assert builder.titles() == ["Conv 2D"]
    assert pasted.get_attribute("aria-invalid") is None
    assert builder.field(0, "Stride").get_attribute("aria-invalid") == "true"


def test_the_url_reproduces_the_network(browser: Any, base_url: str, builder: Builder) -> None:
    builder.load_preset("keras-cifar10")
    builder.field(0, "Filters").fill("12")
    builder.card(3).get_by_role("button", name="Remove").click()
    builder.wait()
    url = builder.page.url
    assert "#spec=" in url
    titles, shapes = builder.titles(), builder.shapes()
    params = builder.total("Parameters").text_content()
    builder.page.get_by_role("button", name="Copy link").click()
    assert builder.page.get_by_label("Link to this network").input_value() == url
    # A new browser profile (nothing in local storage): the link alone rebuilds it
    path = url.removeprefix(base_url)
    with open_builder(browser, base_url, path, viewport={"width": 1024, "height": 768}) as shared:
        assert shared.titles() == titles
        assert shared.shapes() == shapes
        assert shared.total("Parameters").text_content() == params
        assert "Filters 12" in shared.settings(0)
    # Coming back without a link (e.g. from the navigation): the last valid network
    builder.page.goto("/builder")
    builder.wait()
    assert builder.titles() == titles
    assert builder.page.get_by_text("Restored your last valid network").is_visible()


def test_visualize_draws_one_block_per_layer(builder: Builder) -> None:
    page = builder.page
    builder.load_preset("googlenet-small")
    rows = builder.summary({"preset": "googlenet-small"})["layers"]
    page.get_by_role("tab", name="Visualize").click()
    drawing = page.get_by_role("img", name="The network drawn as volumes")
    assert drawing.is_visible()
    blocks = drawing.locator("g.vis-layer")
    assert blocks.count() == len(rows)
    assert drawing.locator("g.vis-input").count() == 1
    for i, row in enumerate(rows):
        label = blocks.nth(i).locator("text.vis-shape").text_content()
        assert label == shape_text(row["output_shape"])
    # Width and height to scale: a 32x32 output is twice as wide as a 16x16 one
    widths = [float(blocks.nth(i).locator("rect").get_attribute("width") or 0) for i in (0, 1)]
    assert (rows[0]["output_shape"][2], rows[1]["output_shape"][2]) == (32, 16)
    assert widths[0] == pytest.approx(2 * widths[1])
    vector = next(i for i, r in enumerate(rows) if len(r["output_shape"]) == 1)
    assert float(blocks.nth(vector).locator("rect").get_attribute("width") or 0) < 10
    # The tabs work from the keyboard; a layer whose shape is unknown is drawn as a "?"
    page.keyboard.press("ArrowLeft")
    assert page.get_by_role("tab", name="Layers").get_attribute("aria-selected") == "true"
    builder.add("Conv 2D")  # after a flat vector: no shape
    builder.wait("error")
    page.get_by_role("tab", name="Layers").press("ArrowRight")
    assert blocks.count() == len(rows) + 1
    assert blocks.nth(len(rows)).locator("text.vis-q").text_content() == "?"


def test_stale_answers_are_dropped_and_typing_is_debounced(builder: Builder) -> None:
    page = builder.page
    builder.add("Conv 2D")
    builder.wait()
    held: list[Any] = []
    sent: list[str] = []

    def hold_the_first(route: Any) -> None:
        sent.append(route.request.post_data or "")
        if not held:
            held.append(route)
        else:
            route.continue_()

    page.route("**/api/networks/summary", hold_the_first)
    filters = builder.field(0, "Filters")
    with page.expect_request("**/api/networks/summary"):
        filters.fill("7")  # its answer is held back
    filters.press("Control+A")
    page.keyboard.type("128")  # three edits within the debounce: one request
    builder.wait()
    assert len(sent) == 2
    assert json.loads(sent[1])["layers"][0]["filters"] == 128
    with page.expect_response("**/api/networks/summary") as late:
        held[0].continue_()  # the answer for 7 filters arrives last
    late.value.finished()
    for _ in range(2):  # two turns of the page's event loop: it has read that answer
        page.evaluate("new Promise((done) => setTimeout(done, 0))")
    assert builder.card(0).locator(".card-params").text_content() == f"{(9 + 1) * 128:,}"
    assert page.evaluate("document.body.dataset.state") == "idle"


def test_tablet_touch_reorder_and_layout(browser: Any, base_url: str) -> None:
    with open_builder(browser, base_url, viewport={"width": 820, "height": 1180},
                      has_touch=True, is_mobile=True) as builder:
        tablet_checks(builder)


def tablet_checks(builder: Builder) -> None:
    page = builder.page
    builder.load_preset("lenet-mnist")
    assert page.evaluate("document.documentElement.scrollWidth") <= 820
    palette = page.get_by_role("complementary", name="Add a layer").bounding_box()
    stack = builder.stack.bounding_box()
    assert palette["y"] < stack["y"]  # one column: the palette above the stack
    button = builder.card(0).get_by_role("button", name="Move down")
    assert button.bounding_box()["height"] >= 44  # a finger-sized target
    button.tap()
    builder.wait()
    assert builder.titles()[:2] == ["Max pooling", "Conv 2D"]
    page.get_by_role("button", name="Add ReLU", exact=True).tap()
    builder.wait("error")  # after the softmax
    assert builder.titles()[-1] == "ReLU"
    builder.card(7).get_by_role("button", name="Move up").tap()
    builder.wait()
    assert builder.titles()[-2:] == ["ReLU", "Dense (fully connected)"]


def test_every_control_is_labelled_and_reachable_by_keyboard(builder: Builder) -> None:
    page = builder.page
    builder.load_preset("lenet-mnist")
    builder.field(0, "Filters")  # an open form too
    page.get_by_text("Import JSON").click()
    assert page.evaluate(UNLABELLED) == []
    page.get_by_role("button", name="Add Conv 2D", exact=True).focus()
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('layer-card')"):
            break
    else:
        raise AssertionError("no card is reachable with the Tab key")
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    page.keyboard.press("Alt+ArrowDown")
    builder.wait()
    assert builder.titles()[:2] == ["Max pooling", "Conv 2D"]


def test_the_builder_loads_nothing_from_outside(browser: Any, base_url: str) -> None:
    context = browser.new_context(bypass_csp=True, base_url=base_url)
    page = context.new_page()
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    page.goto("/builder")
    builder = Builder(page)
    builder.wait()
    builder.load_preset("resnet-small")
    page.get_by_role("tab", name="Visualize").click()
    context.close()
    assert any(u.endswith("/api/layers") for u in urls)
    assert [u for u in urls if not u.startswith((base_url, "data:", "blob:"))] == []
