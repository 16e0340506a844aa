"""The Builder page as tests drive it: a page object, formatting helpers and the fixture."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

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
    context = browser.new_context(bypass_csp=True, base_url=base_url, accept_downloads=True,
                                  **context_args)
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
