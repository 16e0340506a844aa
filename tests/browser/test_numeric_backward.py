"""Numeric mode's backward tab, by keyboard: gradients of the classic example checked against
numbers worked by hand and against POST /api/matrix, max pooling's routing, one SGD step."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.browser

CLASSIC_INPUT = [[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1], [0, 0, 1, 1, 0],
                 [0, 1, 1, 0, 0]]
CLASSIC_KERNEL = [[1, 0, 1], [0, 1, 0], [1, 0, 1]]


def open_backward(page: Any, lab: Any) -> Any:
    """The backward tab, reached from the forward tab with the arrow key."""
    page.locator("#num-tab-forward").focus()
    page.keyboard.press("ArrowRight")
    lab.wait()
    assert page.locator("#num-tab-backward").get_attribute("aria-selected") == "true"
    assert page.locator("#num-panel-forward").is_hidden()
    return page.locator("#num-panel-backward")


def current(page: Any, grad: str) -> Any:
    return page.locator(f"#num-panel-backward table[data-grad='{grad}'] td[aria-current=true]")


def grid_text(page: Any, selector: str) -> list[list[str]]:
    rows = page.locator(f"{selector} tr").all()
    return [[c.text_content() or "" for c in row.locator("td").all()] for row in rows]


def test_walking_the_gradients_by_keyboard(page: Any, lab: Any) -> None:
    panel = open_backward(page, lab)
    position = page.locator("#num-back-position")
    assert "channel 1, row 1, column 1 (entry 1 of 25)" in (position.text_content() or "")
    assert current(page, "input").text_content() == "1"  # only Y[0][0] reads X[0][0], by w = 1
    page.locator("#numeric-back-walk").focus()
    page.keyboard.press("ArrowRight")
    lab.wait()
    page.keyboard.press("ArrowDown")
    lab.wait()
    assert "row 2, column 2 (entry 7 of 25)" in (position.text_content() or "")
    # dL/dY all ones: X[1][1] is read by the four outputs Y[0..1][0..1], through the taps
    # w[1][1], w[1][0], w[0][1], w[0][0] = 1, 0, 0, 1.
    assert current(page, "input").text_content() == "2"
    text = "dL/dX[0][1][1] = 1*1 + 1*0 + 1*0 + 1*1 = 2"
    assert page.locator("#num-back-text").text_content() == text
    assert page.locator("#num-back-text").get_attribute("aria-live") == "polite"
    answer = page.request.post("/api/matrix", data={
        "op": "cross_correlation", "input": CLASSIC_INPUT, "kernels": CLASSIC_KERNEL,
        "padding": 0, "dilation": 1, "backward": {"output_grad": [[1] * 3] * 3,
                                                  "explain": {"of": "input", "row": 1, "col": 1}}})
    assert answer.ok, answer.text()
    assert text.endswith(answer.json()["grad_explain"]["text"])
    assert grid_text(page, "table[data-grad='input']") == [
        [str(v) for v in row] for row in answer.json()["grad_input"][0]]

    panel.get_by_label("Gradient of").select_option("kernel")
    lab.wait()
    page.locator("#numeric-back-walk").focus()
    page.keyboard.press("End")
    lab.wait()
    assert "row 3, column 3 (entry 9 of 9)" in (position.text_content() or "")
    assert panel.get_by_role("button", name="Next").is_disabled()
    assert current(page, "kernel").text_content() == "6"  # the sum of X[2..4][2..4]
    panel.get_by_label("dL/dY map 1 row 1, column 1").fill("2")  # X[2][2] = 1 counts twice
    lab.wait()
    assert current(page, "kernel").text_content() == "7"
    assert page.locator("#num-panel-backward td[data-window]").count() == 9  # all outputs read w
    # One SGD step at the default rate 0.01: w[2][2] = 1 - 0.01 * 7 = 0.93.
    step = page.locator("#num-sgd-kernels td[data-row='2'][data-col='2']")
    assert step.locator(".term-product").text_content() == "= 0.93"
    assert "lower" in (page.locator("#num-sgd-loss").text_content() or "")


def test_a_bad_gradient_is_refused_in_place(page: Any, lab: Any) -> None:
    panel = open_backward(page, lab)
    cell = panel.get_by_label("dL/dY map 1 row 2, column 2")
    cell.fill("x")
    lab.wait("error")
    error = panel.locator("[data-loc='backward.output_grad'] .field-error")
    assert error.count() == 1
    assert "(got 'x')" in (error.text_content() or "")
    cell.fill("1")
    lab.wait()
    assert panel.locator(".field-error").count() == 0


def test_max_pooling_routes_the_gradient_to_each_maximum(page: Any, lab: Any) -> None:
    page.locator("#numeric").get_by_label("Example").select_option("pool")
    lab.wait()
    panel = open_backward(page, lab)
    options = panel.get_by_label("Gradient of").locator("option").all_text_contents()
    assert options == ["Input"]
    assert page.locator("#num-sgd-heading").is_hidden()
    # Windows [[1, 1], [5, 6]], [[2, 4], [7, 8]], [[3, 2], [1, 2]], [[1, 0], [3, 4]]:
    # each dL/dY = 1 goes to its window's maximum, 6, 8, 3 and 4.
    assert grid_text(page, "table[data-grad='input']") == [
        ["0", "0", "0", "0"], ["0", "1", "0", "1"], ["1", "0", "0", "0"], ["0", "0", "0", "1"]]
