"""The footer's "Your data" panel: a session deletes everything it made, keyboard only,
after a confirm step that Cancel and Escape leave without deleting anything."""

from __future__ import annotations

import io
from typing import Any

import pytest
from conftest import wait_state
from page_checks import UNLABELLED
from PIL import Image

pytestmark = pytest.mark.browser

FOCUSED = "() => document.activeElement.id || document.activeElement.tagName"


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def _tab_to(page: Any, wanted: str, limit: int = 300) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(FOCUSED) == wanted:
            return
    raise AssertionError(f"{wanted} is not reachable with the Tab key")


@pytest.mark.parametrize("path", ["/training", "/classify"])
def test_delete_everything_from_the_footer_with_the_keyboard(browser: Any, base_url: str,
                                                             path: str) -> None:
    context = browser.new_context(base_url=base_url, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(20_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(path)
    wait_state(page, "idle")
    upload = page.request.post("/api/images", multipart={
        "file": {"name": "a.png", "mimeType": "image/png", "buffer": _png()}})
    assert upload.status == 201, upload.text()
    image_id = upload.json()["image_id"]
    assert page.request.post("/api/rooms", data={"title": "mine"}).status == 201

    _tab_to(page, "your-data-toggle")
    page.keyboard.press("Enter")  # opens the panel
    assert page.evaluate(UNLABELLED) == []
    _tab_to(page, "your-data-delete")
    page.keyboard.press("Enter")
    assert page.evaluate(FOCUSED) == "your-data-no"  # the safe choice has the focus
    assert page.is_visible("#your-data-question")
    page.keyboard.press("Escape")  # leaves the confirm step, nothing deleted
    assert page.evaluate(FOCUSED) == "your-data-delete"
    assert page.is_hidden("#your-data-confirm")
    assert page.request.get(f"/api/images/{image_id}").status == 200

    page.keyboard.press("Enter")
    page.keyboard.press("Shift+Tab")  # from Cancel back to "Yes, delete everything"
    assert page.evaluate(FOCUSED) == "your-data-yes"
    page.keyboard.press("Enter")
    status = page.locator("#your-data-status")
    status.filter(has_text="Deleted").wait_for()
    assert "1 upload" in status.inner_text()
    assert "1 room" in status.inner_text()
    assert page.evaluate(FOCUSED) == "your-data-delete"
    assert page.request.get(f"/api/images/{image_id}").status == 404
    assert page.request.get("/api/rooms").json()["teaching"] == []
    context.close()
    assert not errors, errors
