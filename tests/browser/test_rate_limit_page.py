"""A browser that opens the playground while its address is over the new-session limit sees
a "one moment" page, which reloads itself (a meta refresh, with the CSP in force) into
the real page once the limit allows."""

from __future__ import annotations

import time
import urllib.request
from typing import Any

import pytest
from app_settings import make_settings
from live_server import serving

from server.main import create_app

pytestmark = pytest.mark.browser


def test_the_busy_page_reloads_itself_into_the_playground(browser: Any) -> None:
    app = create_app(make_settings(rate_sessions="1 per 3 seconds"))
    with serving(app) as address:
        context = browser.new_context(base_url=f"http://{address}")  # the CSP applies
        page = context.new_page()
        blocked: list[str] = []
        page.on("console", lambda message: blocked.append(message.text)
                if "Content Security Policy" in message.text else None)
        # Someone else on this address has just taken the one new session allowed.
        taken = urllib.request.urlopen(urllib.request.Request(
            f"http://{address}/api/sessions", method="POST"), timeout=10)
        assert taken.status == 201
        started = time.monotonic()
        busy = page.goto("/classroom")
        assert busy.status == 429
        assert page.locator("h1").text_content() == "One moment, please"
        retry_after = int(busy.headers["retry-after"])
        # No script, no click: the page comes back by itself once the window has passed.
        page.wait_for_selector("body[data-state=idle]", state="attached", timeout=15_000)
        waited = time.monotonic() - started
        assert retry_after - 0.5 <= waited <= retry_after + 10
        assert any(c["name"] == "cnnpg_session" for c in context.cookies())
        assert not blocked, blocked
        context.close()
