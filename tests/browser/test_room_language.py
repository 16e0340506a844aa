"""A room's language in a real browser: a teacher whose page is in Portuguese opens a room;
a student whose page is in English is offered the teacher's language in a small note, said
in both languages, with a link to the same page in it; the page never switches by itself,
and a dismissed note stays away. A student already in the teacher's language sees none."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from classroom_people import crowd, join, wait

pytestmark = pytest.mark.browser


@pytest.fixture
def people(browser: Any, base_url: str) -> Iterator[Any]:
    yield from crowd(browser, base_url)


def open_room_in(teacher: Any, language: str) -> str:
    """The Classroom page in `language` (its labels may be translated: ids, not names)."""
    page = teacher.open(f"/classroom?lang={language}")
    assert page.locator("html").get_attribute("lang") == language
    page.locator("#room-title").fill("Aula 3")
    page.locator("#create-button").click()
    page.wait_for_selector("body[data-room=live]", state="attached")
    return str(page.locator("#join-code").text_content())


def test_the_teachers_language_is_suggested_never_imposed(people: Any) -> None:
    teacher, student = people(), people()
    code = open_room_in(teacher, "pt-BR")
    room = join(student, code, "Ada")
    assert room.locator("html").get_attribute("lang") == "en"  # not switched by itself
    note = room.locator("#room-language")
    note.wait_for(state="visible")
    assert note.get_attribute("data-language") == "pt-BR"
    # One line in the teacher's language (its catalogue), one in the student's.
    theirs, ours = room.locator("#room-language-teacher"), room.locator("#room-language-yours")
    assert theirs.get_attribute("lang") == "pt-BR"
    assert "Português (Brasil)" in theirs.inner_text()
    assert ours.inner_text().startswith("Your teacher uses Português (Brasil).")
    link = ours.get_by_role("link", name="Switch to Português (Brasil)")
    href = str(link.get_attribute("href"))
    assert href.endswith(f"/room/{code}?lang=pt-BR"), href
    assert theirs.get_by_role("link").get_attribute("href") == href
    assert room.locator("html").get_attribute("lang") == "en"

    # The link: the same room page, in the teacher's language, and no note any more.
    link.click()
    room.wait_for_url(f"**/room/{code}?lang=pt-BR")
    wait(room, "live", "room")
    assert room.locator("html").get_attribute("lang") == "pt-BR"
    assert room.locator("#room-language").is_hidden()

    # Back in English: dismissed, the note stays away (this room, this language).
    room.goto(f"/room/{code}?lang=en")
    wait(room, "live", "room")
    note.wait_for(state="visible")
    room.get_by_role("button", name="Dismiss").click()
    assert note.is_hidden()
    assert room.evaluate("document.activeElement.id") == "room-title"
    room.reload()
    wait(room, "live", "room")
    assert room.locator("#room-language").is_hidden()


def test_no_note_in_the_teachers_own_language(people: Any) -> None:
    teacher, student, other = people(), people(), people()
    code = open_room_in(teacher, "en")
    room = join(student, code, "Bo")
    wait(room, "idle")
    assert room.locator("#room-language").is_hidden()
    # A Portuguese page in an English room: the note, and no switch by itself.
    page = join(other, code, "Cy")
    page.goto(f"/room/{code}?lang=pt-BR")
    wait(page, "live", "room")
    page.locator("#room-language").wait_for(state="visible")
    assert page.locator("html").get_attribute("lang") == "pt-BR"
    assert page.locator("#room-language-teacher").inner_text().startswith(
        "Your teacher uses English.")
    assert page.locator("#room-language-teacher").get_attribute("lang") == "en"
