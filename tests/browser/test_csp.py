"""Every page works with its Content-Security-Policy in force: nothing is blocked."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.browser

PAGES = ["/", "/builder", "/datasets", "/training", "/compare", "/classify", "/detection",
         "/classroom", "/join", "/docs"]


@pytest.mark.parametrize("path", PAGES)
def test_page_loads_and_starts_with_nothing_blocked(browser: Any, base_url: str,
                                                    path: str) -> None:
    context = browser.new_context(base_url=base_url)  # the CSP applies (no bypass)
    page = context.new_page()
    blocked: list[str] = []
    page.on("console", lambda message: blocked.append(message.text)
            if "Content Security Policy" in message.text else None)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    response = page.goto(path)
    assert response is not None
    assert "script-src 'self'" in response.headers["content-security-policy"]
    if path == "/docs":  # Swagger UI, started by our script file, renders the API
        page.wait_for_selector(".swagger-ui .opblock", timeout=20_000)
    else:  # the page's module ran to the end of its start-up
        page.wait_for_selector("body[data-state=idle]", state="attached", timeout=20_000)
    context.close()
    assert not blocked, blocked
    assert not errors, errors
