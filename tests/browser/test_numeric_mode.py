"""Numeric mode: stepping a filter across a small grid, checked against POST /api/matrix."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.browser

CLASSIC = {
    "op": "cross_correlation",
    "input": [[[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1], [0, 0, 1, 1, 0],
               [0, 1, 1, 0, 0]]],
    "kernels": [[[[1, 0, 1], [0, 1, 0], [1, 0, 1]]]],
    "bias": [0], "stride": 1, "padding": 0,
}


def window_cells(page: Any, channel: int = 0) -> list[tuple[int, int]]:
    cells = page.locator(f"#num-inputs table[data-channel='{channel}'] td[data-window]")
    return [(int(c.get_attribute("data-pr")), int(c.get_attribute("data-pc")))
            for c in cells.all()]


def explain(page: Any, body: dict[str, Any], channel: int, row: int, col: int) -> dict[str, Any]:
    response = page.request.post("/api/matrix", data={
        **body, "explain": {"channel": channel, "row": row, "col": col}})
    assert response.ok, response.text()
    return dict(response.json())


def output_cell(page: Any, channel: int, row: int, col: int) -> Any:
    return page.locator(f"#num-outputs td[data-channel='{channel}'][data-row='{row}']"
                        f"[data-col='{col}']")


def square(r0: int, c0: int, k: int = 3) -> list[tuple[int, int]]:
    return [(r, c) for r in range(r0, r0 + k) for c in range(c0, c0 + k)]


def test_next_moves_the_window_and_fills_the_output(page: Any, lab: Any) -> None:
    numeric = page.locator("#numeric")
    numeric.scroll_into_view_if_needed()
    assert "position 1 of 9" in (page.locator("#num-position").text_content() or "")
    assert window_cells(page) == square(0, 0)
    assert numeric.get_by_role("button", name="Prev").is_disabled()
    numeric.get_by_role("button", name="Next").click()
    lab.wait()
    assert window_cells(page) == square(0, 1)
    expected = explain(page, CLASSIC, 0, 0, 1)["explain"]
    assert page.locator("#numeric-text").text_content() == expected["text"]
    cell = output_cell(page, 0, 0, 1)
    assert cell.get_attribute("aria-current") == "true"
    assert cell.text_content() == "3" == str(int(expected["value"]))
    assert output_cell(page, 0, 0, 2).text_content() == "\u00b7"  # not reached yet
    products = page.locator("#num-explain td .term-product").all_text_contents()
    assert products == [f"= {int(t['product'])}" for t in expected["terms"]]


def test_arrow_keys_step_through_positions(page: Any, lab: Any) -> None:
    walk = page.locator("#numeric-walk")
    walk.focus()
    page.keyboard.press("ArrowRight")
    lab.wait()
    page.keyboard.press("ArrowDown")  # one output row further
    lab.wait()
    assert "row 2, column 2 (position 5 of 9)" in (page.locator("#num-position").text_content()
                                                   or "")
    assert window_cells(page) == square(1, 1)
    assert page.locator("#numeric-text").text_content() == explain(
        page, CLASSIC, 0, 1, 1)["explain"]["text"]
    page.keyboard.press("End")
    lab.wait()
    assert window_cells(page) == square(2, 2)
    assert page.locator("#numeric").get_by_role("button", name="Next").is_disabled()


def test_the_cs231n_example_three_channels_two_filters_and_bias(page: Any, lab: Any) -> None:
    numeric = page.locator("#numeric")
    numeric.get_by_label("Example").select_option("cs231n")
    lab.wait()
    assert page.locator("#num-outputs table").count() == 2
    assert page.locator("#num-inputs table").count() == 3
    assert page.locator("#num-inputs td.cell-pad").count() == 3 * (7 * 7 - 5 * 5)
    page.locator("#numeric-walk").focus()
    page.keyboard.press("End")  # the last output of the second filter
    lab.wait()
    body = {
        "op": "cross_correlation", "stride": 2, "padding": 1,
        "input": [[[int(v) for v in row] for row in grid] for grid in page.evaluate(
            "() => window.numericMode.model.input")],
        "kernels": [[[[int(v) for v in row] for row in g] for g in f] for f in page.evaluate(
            "() => window.numericMode.model.kernels")],
        "bias": [1, 0],
    }
    expected = explain(page, body, 1, 2, 2)
    assert page.locator("#numeric-text").text_content() == expected["explain"]["text"]
    for channel in range(3):
        assert window_cells(page, channel) == square(4, 4)
    assert page.locator(".num-filter.active").get_attribute("data-filter") == "1"
    values = [[[c.text_content() for c in page.locator(
        f"#num-outputs td[data-channel='{k}'][data-row='{r}']").all()] for r in range(3)]
        for k in range(2)]
    assert values == [[[str(v) for v in row] for row in grid] for grid in expected["output"]]


def test_editing_numbers_and_a_stride_that_does_not_fit(page: Any, lab: Any) -> None:
    numeric = page.locator("#numeric")
    numeric.get_by_label("Input channel 1 row 1, column 1").fill("10")
    lab.wait()
    assert output_cell(page, 0, 0, 0).text_content() == "13"
    stride = numeric.get_by_label("Stride")
    stride.fill("3")
    lab.wait("error")
    error = numeric.locator("[data-loc='stride'] .field-error")
    assert "(5 - 3 + 2*0)/3 + 1" in (error.text_content() or "")
    assert stride.get_attribute("aria-invalid") == "true"
    assert page.locator("#num-outputs table").count() == 0
    stride.fill("2")
    lab.wait()
    assert numeric.locator(".field-error").count() == 0
    assert page.locator("#num-outputs td").count() == 4  # (5 - 3)/2 + 1 = 2


def test_padding_is_drawn_and_walked(page: Any, lab: Any) -> None:
    numeric = page.locator("#numeric")
    numeric.get_by_label("Padding").fill("1")
    lab.wait()
    assert page.locator("#num-inputs td.cell-pad").count() == 7 * 7 - 5 * 5
    assert "(5 - 3 + 2*1)/1 + 1 = 5" in (page.locator("#num-formula").text_content() or "")
    assert page.locator("#num-explain td.padding").count() == 5  # the corner window


def test_max_pooling_example(page: Any, lab: Any) -> None:
    numeric = page.locator("#numeric")
    numeric.get_by_label("Example").select_option("pool")
    lab.wait()
    assert page.locator("#num-kernels").is_hidden()
    numeric.get_by_role("button", name="Next").click()
    lab.wait()
    assert window_cells(page) == square(0, 2, 2)
    assert page.locator("#numeric-text").text_content() == "max(2, 4, 7, 8) = 8"
    assert output_cell(page, 0, 0, 1).text_content() == "8"
    assert page.locator("#num-explain td.marked").count() == 1


def test_dilation_spreads_the_window(page: Any, lab: Any) -> None:
    numeric = page.locator("#numeric")
    numeric.get_by_label("Dilation").fill("2")
    lab.wait()
    assert "(a 3x3 kernel with dilation 2 spans 5x5)" in (
        page.locator("#num-formula").text_content() or "")
    assert window_cells(page) == [(r, c) for r in (0, 2, 4) for c in (0, 2, 4)]
    # The taps read 1 1 0 / 0 1 1 / 0 1 0; the kernel's corners and centre (1 0 1 / 0 1 0 /
    # 1 0 1) pick 1 + 0 + 1 + 0 + 0 = 2.
    assert output_cell(page, 0, 0, 0).text_content() == "2"
    assert page.locator("#numeric-text").text_content() == explain(
        page, {**CLASSIC, "dilation": 2}, 0, 0, 0)["explain"]["text"]
