"""What every page test checks the same way: unlabelled controls and uncaught page errors."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar

# A network that trains in a blink: the runs browser tests start.
TINY = {"input": {"channels": 1, "height": 28, "width": 28},
        "layers": [{"type": "conv2d", "filters": 4, "kernel_size": 5, "stride": 2,
                    "padding": "same", "activation": "relu"},
                   {"type": "max_pool2d", "pool_size": 2}, {"type": "flatten"},
                   {"type": "dense", "units": 10, "activation": "softmax"}]}

View = TypeVar("View")


class PageView:
    """A page that says when it is busy (body[data-state]): the plainest view to open."""

    def __init__(self, page: Any):
        self.page = page

    def wait(self, state: str) -> None:
        self.page.wait_for_selector(f"body[data-state={state}]", state="attached")

# Controls with no accessible name: what a screen reader would announce as just "button".
UNLABELLED = """() => [...document.querySelectorAll(
    'input, select, textarea, button, a[href], canvas[tabindex], [tabindex="0"]')]
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


def open_view(browser: Any, base_url: str, path: str, make: Callable[[Any], View],
              **context_args: Any) -> Iterator[View]:
    """A fresh browser context on path, wrapped by make(page) and waited idle; on exit, any
    uncaught error the page raised fails the test."""
    # Playwright evaluates the tests' own JS predicates with eval, which the pages' CSP
    # refuses; test_csp.py loads every page with the CSP in force.
    context = browser.new_context(base_url=base_url, **{"bypass_csp": True, **context_args})
    page = context.new_page()
    page.set_default_timeout(20_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(path)
    view = make(page)
    view.wait("idle")  # type: ignore[attr-defined]
    yield view
    context.close()
    assert not errors, f"uncaught errors in the page: {errors}"
