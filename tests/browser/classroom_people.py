"""People in a classroom, for the browser tests: each one a browser context (its own
cookie, so its own session), the teacher opening a room and students joining it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

# Every WebSocket the page opens, kept on window.sockets (to count reconnects).
KEEP_SOCKETS = """window.sockets = [];
window.WebSocket = class extends window.WebSocket {
  constructor(...args) { super(...args); window.sockets.push(this); }
};"""

class Person:
    """One browser context (one session): a teacher or a student, with pages on demand."""

    def __init__(self, browser: Any, base_url: str) -> None:
        self.context = browser.new_context(bypass_csp=True, base_url=base_url,
                                           viewport={"width": 1024, "height": 800})
        self.errors: list[str] = []

    def open(self, path: str, state: str = "idle") -> Any:
        page = self.context.new_page()
        page.set_default_timeout(20_000)
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.add_init_script(KEEP_SOCKETS)
        page.goto(path)
        wait(page, state)
        return page


def wait(page: Any, value: str, name: str = "state") -> None:
    """Until body[data-<name>] is value (the pages' own state; never a sleep)."""
    page.wait_for_selector(f'body[data-{name}="{value}"]', state="attached")


def crowd(browser: Any, base_url: str) -> Iterator[Any]:
    """The body of a `people` fixture: people() makes one more; at the end, each one's
    pages must have had no uncaught error."""
    made: list[Person] = []

    def person() -> Person:
        made.append(Person(browser, base_url))
        return made[-1]

    yield person
    for p in made:
        p.context.close()
    for p in made:
        assert not p.errors, f"uncaught errors in the page: {p.errors}"


def open_room(teacher: Person, title: str) -> tuple[Any, str]:
    page = teacher.open("/classroom")
    assert page.locator('nav a[aria-current="page"]').text_content() == "Classroom"
    page.get_by_label("Title (optional)").fill(title)
    page.get_by_role("button", name="Create room").click()
    page.wait_for_selector("body[data-room=live]", state="attached")
    code = page.locator("#join-code").text_content()
    assert re.fullmatch(r"[ACDEFHJKMNPQRTUVWXY3479]{6}", code), code
    assert page.get_by_label("Join link").input_value().endswith(f"/join/{code}")
    assert page.get_by_label("Teacher key (shown only now)").input_value()
    return page, code


def join(student: Person, code: str, name: str) -> Any:
    page = student.open("/join")
    page.get_by_label("Room code").fill(code.lower())
    page.get_by_label("Your name (optional)").fill(name)
    page.get_by_role("button", name="Join").click()
    page.wait_for_url(f"**/room/{code}")
    wait(page, "live", "room")
    return page
