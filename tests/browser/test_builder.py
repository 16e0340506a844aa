"""The Network Builder in a real browser: presets, cards and totals that match the server's
summary, reordering by drag and by keyboard, errors on the offending card and field, JSON
export and import, the shareable URL, the drawing, and the tablet layout."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

TIMES = " \u00d7 "


def shape_text(shape: list[int] | None) -> str:
    return TIMES.join(str(v) for v in shape) if shape else "not computed"


def compact(value: int) -> str:
    """format.js compact(): three significant digits and K / M / G."""
    for size, unit in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "K")):
        if value >= size:
            return f"{float(f'{value / size:.3g}'):g} {unit}"
    return str(value)


def human_bytes(value: int) -> str:
    size, units = float(value), ["bytes", "KiB", "MiB", "GiB"]
    unit = 0
    while size >= 1024 and unit < len(units) - 1:
        size /= 1024
        unit += 1
    return f"{int(size) if unit == 0 else float(f'{size:.3g}'):g} {units[unit]}"


class Builder:
    """The Builder page, read the way a user sees it (labels, roles, visible text)."""

    def __init__(self, page: Any) -> None:
        self.page = page

    def wait(self, state: str = "idle") -> None:
        self.page.wait_for_selector(f"body[data-state={state}]", state="attached")

    @property
    def stack(self) -> Any:
        return self.page.get_by_role("list", name="Layers, first to last")

    def cards(self) -> Any:
        return self.stack.get_by_role("listitem")

    def card(self, index: int) -> Any:
        return self.cards().nth(index)

    def titles(self) -> list[str]:
        return [t.strip() for t in self.stack.get_by_role("heading", level=3).all_text_contents()]

    def shapes(self) -> list[str]:
        return self.stack.locator(".card-shape").all_text_contents()

    def settings(self, index: int) -> str:
        return self.card(index).locator(".card-settings").text_content() or ""

    def field(self, index: int, label: str) -> Any:
        """A control of card `index`'s settings form, opened if needed."""
        card = self.card(index)
        toggle = card.get_by_role("button", name="Settings")
        if toggle.get_attribute("aria-expanded") != "true":
            toggle.click()
        return card.get_by_label(label, exact=True)

    def drag(self, source: Any, target: Any, y: float, top: Any = None) -> None:
        """Drag `source` onto `target` at height `y` (negative: from its bottom). A drag does
        not scroll the page: `top` (default: the source) goes to the top of the window, just
        below the totals, so that both ends are in view."""
        (top or source).evaluate("(el) => el.scrollIntoView({block: 'start'})")
        height = target.bounding_box()["height"]
        source.drag_to(target, target_position={"x": 40, "y": y if y >= 0 else height + y})

    def load_preset(self, preset_id: str) -> None:
        self.page.get_by_label("Preset", exact=True).select_option(preset_id)
        self.page.get_by_role("button", name="Load preset").click()
        self.wait()

    def add(self, label: str) -> None:
        self.page.get_by_role("button", name=f"Add {label}", exact=True).click()

    def spec_in_url(self) -> dict[str, Any]:
        encoded = self.page.url.split("#spec=", 1)[1]
        return dict(json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))))

    def summary(self, body: dict[str, Any]) -> dict[str, Any]:
        response = self.page.request.post("/api/networks/summary", data=body)
        return dict(response.json())

    def total(self, label: str) -> Any:
        ids = {"Parameters": "total-params", "Trainable": "total-trainable",
               "MACs": "total-macs", "Memory": "total-memory", "Output": "total-output"}
        return self.page.locator(f"#{ids[label]}")


@contextmanager
def open_builder(browser: Any, base_url: str, path: str = "/builder",
                 **context_args: Any) -> Iterator[Builder]:
    """A fresh browser profile (empty local storage) on `path`, loaded and idle."""
    context = browser.new_context(base_url=base_url, accept_downloads=True, **context_args)
    page = context.new_page()
    page.set_default_timeout(20_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(path)
    builder = Builder(page)
    builder.wait()
    yield builder
    context.close()
    assert not errors, f"uncaught errors in the page: {errors}"


@pytest.fixture
def builder(browser: Any, base_url: str) -> Iterator[Builder]:
    """The Builder at 1024x768 with a fresh browser profile: an empty stack, idle."""
    with open_builder(browser, base_url, viewport={"width": 1024, "height": 768}) as opened:
        yield opened


def test_starts_with_an_empty_stack_and_a_hint(builder: Builder) -> None:
    page = builder.page
    assert builder.cards().count() == 0
    assert page.get_by_text("No layers yet: add one from the palette").is_visible()
    assert builder.total("Parameters").text_content() == "\u2013"
    assert page.locator('nav a[aria-current="page"]').text_content() == "Builder"
    builder.add("Conv 2D")
    builder.wait()
    assert builder.titles() == ["Conv 2D"]
    assert builder.shapes() == [shape_text([16, 26, 26])]  # the defaults: 16 filters, 3x3
    assert not page.get_by_text("No layers yet: add one from the palette").is_visible()


def test_preset_cards_and_totals_match_the_server_summary(builder: Builder) -> None:
    builder.load_preset("lenet-mnist")
    summary = builder.summary({"preset": "lenet-mnist"})
    rows = summary["layers"]
    assert builder.titles() == [r["label"] for r in rows]
    assert builder.shapes() == [shape_text(r["output_shape"]) for r in rows]
    for i, row in enumerate(rows):
        card = builder.card(i)
        assert card.locator(".card-params").text_content() == f"{row['params']:,}"
        assert card.locator(".category-badge").text_content() == row["category"]  # text too
        stripe = card.evaluate("(el) => getComputedStyle(el).borderLeftColor")
        assert stripe not in ("rgb(201, 201, 201)", "rgba(0, 0, 0, 0)")
    colours = {builder.card(i).evaluate("(el) => getComputedStyle(el).borderLeftColor")
               for i in (0, 1, 4, 5)}
    assert len(colours) == 4  # convolution, pooling, reshape and dense differ
    for label, key in [("Parameters", "total_params"), ("Trainable", "trainable_params"),
                       ("MACs", "macs_per_sample"), ("Memory", "activation_bytes_per_sample")]:
        assert builder.total(label).get_attribute("data-value") == str(summary[key])
    assert builder.total("Parameters").text_content() == f"{summary['total_params']:,}"
    assert builder.total("MACs").text_content() == compact(summary["macs_per_sample"])
    assert builder.total("Memory").text_content() == human_bytes(
        summary["activation_bytes_per_sample"])
    assert builder.total("Output").text_content() == "10"
    # The formula, on demand
    formula = builder.card(0).locator(".formula")
    assert not formula.is_visible()
    builder.card(0).get_by_text("Formula", exact=True).click()
    assert formula.text_content() == rows[0]["formula"]
    # Handed to the training page, and the page says so
    stored = json.loads(builder.page.evaluate("localStorage.getItem('cnnpg.spec')"))
    assert builder.summary(stored)["total_params"] == summary["total_params"]
    assert builder.page.get_by_text("for the Training page").is_visible()


def test_a_block_shows_its_inner_layers(builder: Builder) -> None:
    builder.load_preset("resnet-small")
    rows = builder.summary({"preset": "resnet-small"})["layers"]
    index = next(i for i, r in enumerate(rows) if r["type"] == "residual_block")
    card = builder.card(index)
    card.get_by_text("Formula and inner layers").click()
    table = card.get_by_role("table", name="Inner layers")
    assert table.is_visible()
    names = table.locator("tbody tr td:first-child").all_text_contents()
    assert names == [part["name"] for part in rows[index]["inner"]]


def test_reorder_by_drag_and_drop(builder: Builder) -> None:
    builder.load_preset("lenet-mnist")
    builder.drag(builder.card(0).get_by_role("heading", level=3), builder.card(2), -6)  # lower
    builder.wait()
    assert builder.titles()[:3] == ["Max pooling", "Conv 2D", "Conv 2D"]
    assert "Filters 50" in builder.settings(1)
    assert "Filters 20" in builder.settings(2)
    assert builder.shapes()[:3] == [shape_text([1, 14, 14]), shape_text([50, 14, 14]),
                                    shape_text([20, 14, 14])]
    assert [layer["type"] for layer in builder.spec_in_url()["layers"][:3]] == [
        "max_pool2d", "conv2d", "conv2d"]
    # From the palette onto the top half of the first card: inserted first
    palette_item = builder.page.get_by_role("button", name="Add Dropout", exact=True)
    builder.drag(palette_item, builder.card(0), 4, top=builder.card(0))  # the upper half
    builder.wait()
    assert builder.titles()[:2] == ["Dropout", "Max pooling"]
    assert builder.cards().count() == 8


def test_reorder_by_keyboard_and_buttons(builder: Builder) -> None:
    page = builder.page
    builder.load_preset("lenet-mnist")
    assert builder.card(0).get_by_role("button", name="Move up").is_disabled()
    assert builder.card(6).get_by_role("button", name="Move down").is_disabled()
    builder.card(2).focus()  # the second convolution (50 filters)
    page.keyboard.press("Alt+ArrowUp")
    builder.wait()
    assert builder.titles()[:3] == ["Conv 2D", "Conv 2D", "Max pooling"]
    assert "Filters 50" in builder.settings(1)
    focused = page.evaluate("document.activeElement.querySelector('.card-settings').textContent")
    assert "Filters 50" in focused  # the moved card keeps the focus
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    page.keyboard.press("Alt+ArrowDown")
    page.keyboard.press("Alt+ArrowDown")
    builder.wait()
    assert builder.titles()[:4] == ["Conv 2D", "Max pooling", "Max pooling", "Conv 2D"]
    assert "Filters 50" in builder.settings(3)
    assert "moved to position 4 of 7" in (page.locator("#builder-announce").text_content() or "")
    builder.card(3).get_by_role("button", name="Move up").click()
    builder.wait()
    assert "Filters 50" in builder.settings(2)
    assert builder.spec_in_url()["layers"][2]["filters"] == 50
    # ArrowDown alone moves the focus, not the card
    builder.card(0).focus()
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.dataset.id") == builder.card(1).get_attribute(
        "data-id")


def test_duplicate_and_remove(builder: Builder) -> None:
    builder.add("Conv 2D")
    builder.field(0, "Filters").fill("8")
    builder.card(0).get_by_role("button", name="Duplicate").click()
    builder.wait()
    assert builder.titles() == ["Conv 2D", "Conv 2D"]
    assert "Filters 8" in builder.settings(1)
    assert builder.shapes() == [shape_text([8, 26, 26]), shape_text([8, 24, 24])]
    builder.card(0).get_by_role("button", name="Remove").click()
    builder.card(0).get_by_role("button", name="Remove").click()
    builder.wait()
    assert builder.cards().count() == 0
    assert builder.page.get_by_text("No layers yet: add one from the palette").is_visible()


def test_a_stride_that_does_not_fit_is_shown_on_its_card_and_field(builder: Builder) -> None:
    page = builder.page
    builder.load_preset("lenet-mnist")
    builder.field(0, "Padding").fill("valid")
    builder.wait()
    assert builder.shapes()[0] == shape_text([20, 24, 24])
    stride = builder.field(0, "Stride")
    stride.fill("2")  # (28 - 5 + 2*0)/2 + 1 = 12.5
    builder.wait("error")
    card = builder.card(0)
    assert stride.get_attribute("aria-invalid") == "true"
    message = card.locator(".field-error")
    assert message.count() == 1
    assert "(28 - 5 + 2*0)/2 + 1 = 12.50 is not a whole number" in (message.text_content() or "")
    assert message.get_attribute("id") in (stride.get_attribute("aria-describedby") or "")
    field = card.locator('[data-loc="stride"]')
    assert field.locator(".field-error").count() == 1  # next to the field
    assert card.get_by_text("1 problem").is_visible()
    assert "has-problem" in (card.get_attribute("class") or "")
    assert builder.shapes()[0] == "not computed"
    assert builder.card(1).locator(".field-error").count() == 0
    assert "problem" in (page.locator("#builder-verdict").text_content() or "")
    stored = json.loads(page.evaluate("localStorage.getItem('cnnpg.spec')"))
    assert stored["layers"][0]["stride"] == 1  # the training page keeps the last valid spec
    assert stored["layers"][0]["padding"] == "valid"
    stride.fill("1")
    builder.wait()
    assert stride.get_attribute("aria-invalid") is None
    assert card.locator(".field-error").count() == 0
    assert not card.get_by_text("1 problem").is_visible()
    assert builder.shapes()[0] == shape_text([20, 24, 24])


def test_dense_before_flatten_is_marked_until_a_flatten_is_added(builder: Builder) -> None:
    builder.add("Conv 2D")
    builder.add("Dense (fully connected)")
    builder.wait("error")
    card = builder.card(1)
    assert "add a flatten layer" in (card.locator(".field-error").text_content() or "")
    assert card.get_by_text("1 problem").is_visible()
    assert builder.shapes() == [shape_text([16, 26, 26]), "not computed"]
    assert "Partial totals" in (builder.page.locator("#totals-note").text_content() or "")
    flatten = builder.page.get_by_role("button", name="Add Flatten", exact=True)
    builder.drag(flatten, card, 4, top=card)  # before the dense layer
    builder.wait()
    assert builder.titles() == ["Conv 2D", "Flatten", "Dense (fully connected)"]
    assert builder.shapes()[2] == "10"
    assert builder.card(2).locator(".field-error").count() == 0


def test_the_input_form_is_validated_by_the_server(builder: Builder) -> None:
    builder.add("Conv 2D")
    builder.wait()
    height = builder.page.get_by_label("Height", exact=True)
    height.fill("0")
    builder.wait("error")
    assert height.get_attribute("aria-invalid") == "true"
    note = builder.page.locator('#input-form [data-loc="input.height"] .field-error')
    assert "greater than or equal to 1" in (note.text_content() or "")
    height.fill("32")
    builder.wait()
    assert builder.shapes() == [shape_text([16, 30, 26])]


def test_forms_are_built_from_the_schema(builder: Builder) -> None:
    builder.add("Conv 2D")
    filters = builder.field(0, "Filters")
    assert filters.get_attribute("type") == "number"
    assert (filters.get_attribute("min"), filters.get_attribute("max")) == ("1", "4096")
    hint = builder.page.locator(f"#{filters.get_attribute('aria-describedby')}")
    assert hint.text_content() == "Output channels. Whole number, 1 \u2264 n \u2264 4096."
    assert builder.field(0, "Use bias").get_attribute("type") == "checkbox"
    activation = builder.field(0, "Activation")
    options = activation.locator("option").all_text_contents()
    assert options[0] == "none"
    assert "relu" in options
    assert "softmax" in options
    activation.select_option("relu")
    builder.field(0, "Kernel size").fill("3,5")
    builder.field(0, "Padding").fill("same")
    builder.wait()
    assert builder.shapes() == [shape_text([16, 28, 28])]
    layer = builder.spec_in_url()["layers"][0]
    assert layer["kernel_size"] == [3, 5]
    assert layer["padding"] == "same"
    assert layer["activation"] == "relu"
    builder.field(0, "Padding").fill("1")
    builder.field(0, "Use bias").uncheck()
    builder.wait()
    assert builder.shapes() == [shape_text([16, 28, 26])]
    layer = builder.spec_in_url()["layers"][0]
    assert (layer["padding"], layer["use_bias"]) == (1, False)
    assert builder.card(0).locator(".card-params").text_content() == f"{3 * 5 * 16:,}"
    builder.add("Dropout")
    rate = builder.field(1, "Rate")
    assert rate.get_attribute("step") == "any"
    rate.fill("1")
    builder.wait("error")
    assert rate.get_attribute("aria-invalid") == "true"


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


UNLABELLED = """() => [...document.querySelectorAll(
    'input, select, textarea, button, a[href], [tabindex="0"]')]
  .filter((el) => !el.closest('[hidden]'))
  .filter((el) => {
    const byId = (ids) => ids.split(' ').map((id) => document.getElementById(id)?.textContent)
      .join(' ');
    const name = el.getAttribute('aria-label')
      || (el.getAttribute('aria-labelledby') && byId(el.getAttribute('aria-labelledby')))
      || (el.labels && [...el.labels].map((l) => l.textContent).join(' '))
      || (['BUTTON', 'A'].includes(el.tagName) && el.textContent);
    return !name || !name.trim();
  }).map((el) => el.outerHTML.slice(0, 120))"""


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
    context = browser.new_context(base_url=base_url)
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
