"""The teacher's "Who may join" controls in a real browser: the participant cap set at
creation and changed later, the lock, a kick that asks whether to block the address (and
warns when others use it), and the removed list with "Allow back". Students see each
refusal at the code field. Driven by role and label, from the keyboard where it matters."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from classroom_people import Person, crowd, join, wait
from page_checks import UNLABELLED

pytestmark = pytest.mark.browser


@pytest.fixture
def people(browser: Any, base_url: str) -> Iterator[Any]:
    yield from crowd(browser, base_url)


def refused(student: Person, code: str) -> str:
    """Try to join; the message shown at the code field."""
    page = student.open(f"/join/{code}")
    page.get_by_role("button", name="Join").click()
    wait(page, "error")
    assert page.get_by_label("Room code").get_attribute("aria-invalid") == "true"
    return str(page.locator('[data-loc="code"] .field-error').text_content())


def places(page: Any) -> str:
    return str(page.locator("#places").text_content())


def test_cap_lock_kick_and_allow_back(people: Any) -> None:
    teacher, ada, bob, cy = people(), people(), people(), people()
    page = teacher.open("/classroom")
    page.get_by_label("Participants at most (optional)").fill("1")
    page.get_by_role("button", name="Create room").click()
    wait(page, "live", "room")
    code = page.locator("#join-code").text_content()
    cap = page.get_by_role("spinbutton", name="Participants at most", exact=True)
    assert cap.input_value() == "1"
    assert places(page) == "0 of 1 place taken."
    assert page.evaluate(UNLABELLED) == []

    join(ada, code, "Ada")
    wait(page, "1", "participants")
    assert places(page) == "1 of 1 place taken. Full: no one new can join."
    assert "is full" in refused(bob, code)

    # A limit the server does not allow is said at the field; then 3, saved with Enter
    cap.fill("5000")
    cap.press("Enter")
    error = page.locator('#access-panel [data-loc="max_participants"] .field-error')
    assert "over this server's limit" in error.text_content()
    assert cap.get_attribute("aria-invalid") == "true"
    cap.fill("3")
    cap.press("Enter")
    page.wait_for_function("document.querySelector('#places').textContent.startsWith('1 of 3')")
    # The room's broadcast may redraw the places before the save's own answer says so
    page.get_by_role("status").filter(has_text="At most 3 participants").wait_for(timeout=5000)
    assert page.get_by_role("status").filter(has_text="At most 3 participants").count() == 1
    bob_room = join(bob, code, "Bob")

    # Locked from the keyboard: no one new, those in stay
    lock = page.get_by_label("Lock the room (no new joins)")
    lock.focus()
    page.keyboard.press("Space")
    wait(page, "true", "locked")
    assert "Locked: no one new can join" in places(page)
    assert "is locked" in refused(cy, code)
    lock.uncheck()
    wait(page, "false", "locked")

    # Kick: the dialog warns that this address is shared (everyone here is on 127.0.0.1,
    # the teacher too), so it does not block it unless asked
    page.get_by_role("button", name="Kick Bob").click()
    dialog = page.get_by_role("dialog", name="Remove Bob?")
    block = dialog.get_by_label("Also block new joins from their network address")
    assert not block.is_checked()
    assert "school's network" in dialog.locator("#kick-block-hint").text_content()
    dialog.get_by_role("button", name="Remove").click()
    wait(bob_room, "kicked", "room")
    wait(page, "1", "banned")
    assert page.locator("#banned-list li").text_content().startswith(
        "Bob: their browser only")
    assert "removed you" in refused(bob, code)

    # Allow back, from the keyboard: Bob joins again
    allow = page.get_by_role("button", name="Allow Bob back")
    allow.focus()
    page.keyboard.press("Enter")
    wait(page, "0", "banned")
    assert page.get_by_text("No one has been removed.").is_visible()
    join(bob, code, "Bob")
    wait(page, "2", "participants")
    assert page.evaluate(UNLABELLED) == []
