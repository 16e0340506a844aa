"""The Network Builder in a real browser: presets, cards and totals that match the server's
summary, reordering by drag and by keyboard, errors on the offending card and field, forms
built from the schema."""

from __future__ import annotations

import json

import pytest
from builder_page import Builder, builder, compact, human_bytes, shape_text

pytestmark = pytest.mark.browser
__all__ = ["builder"]  # the fixture, imported so pytest finds it here


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
    assert builder.page.locator("#handoff-note a[href='/training']").is_visible()


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
