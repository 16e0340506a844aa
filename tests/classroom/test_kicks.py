"""Kicks that hold against a fresh session: the kick binds the session and, when no one else
in the room uses it, the client address; the teacher may choose either way and can allow a
removed participant back. Real server, each person on its own loopback address."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from app_settings import make_settings
from live_server import serving
from websockets.sync.client import connect

from server.main import create_app

from .live_rooms import Person, teacher_room


@pytest.fixture(scope="module")
def host() -> Iterator[str]:
    with serving(create_app(make_settings())) as address:
        yield address


def room_of(teacher: Person, code: str) -> dict[str, Any]:
    answer = teacher.ask("GET", f"/api/rooms/{code}")
    assert answer.status == 200, answer.body
    return dict(answer.json())


def kick(teacher: Person, code: str, name: str, **options: Any) -> dict[str, Any]:
    pid = next(p["id"] for p in room_of(teacher, code)["participants"] if p["name"] == name)
    answer = teacher.ask("POST", f"/api/rooms/{code}/kick", {"participant_id": pid, **options})
    assert answer.status == 200, answer.body
    return dict(answer.json())


def refusal(answer: Any) -> tuple[int, str]:
    return answer.status, answer.json()["detail"][0]["msg"]


def test_a_kicked_student_cannot_come_back_with_a_new_session(host: str) -> None:
    teacher, code, _ = teacher_room(host)
    ada = Person(host, "127.0.0.2")
    ada.join(code, "Ada")
    Person(host, "127.0.0.3").join(code, "Bob")
    assert [p["shares_address_with"] for p in room_of(teacher, code)["participants"]] == [0, 0]
    after = kick(teacher, code, "Ada")
    assert [b["name"] for b in after["banned"]] == ["Ada"]
    assert after["banned"][0]["address_blocked"] is True
    assert "127.0.0.2" not in str(after)  # the teacher is not shown students' addresses
    status, msg = refusal(ada.join(code, "Ada"))
    assert (status, "removed you" in msg) == (403, True)
    fresh = Person(host, "127.0.0.2")  # cookies cleared, a private window
    status, msg = refusal(fresh.join(code, "Ada again"))
    assert status == 403
    assert "blocked new joins from it" in msg
    assert "allow it back" in msg
    assert fresh.ask("GET", f"/api/rooms/{code}").status == 404  # still a stranger
    assert Person(host, "127.0.0.4").join(code, "Cy").status == 200  # others still join

    banned = after["banned"][0]["id"]
    allowed = teacher.ask("POST", f"/api/rooms/{code}/unban", {"participant_id": banned})
    assert allowed.status == 200
    assert allowed.json()["banned"] == []
    assert fresh.join(code, "Ada again").status == 200
    assert ada.join(code, "Ada").json()["you"]["name"] == "Ada"  # her old session too
    again = teacher.ask("POST", f"/api/rooms/{code}/unban", {"participant_id": banned})
    assert again.status == 422
    assert again.json()["detail"][0]["loc"] == ["participant_id"]


def test_a_kick_on_a_shared_address_does_not_lock_out_the_class(host: str) -> None:
    """A school NAT: Ada and Bob come from one address. Kicking Ada blocks her session
    only (by default); a classmate arriving late from that address still gets in."""
    teacher, code, _ = teacher_room(host)
    ada, bob = Person(host, "127.0.0.5"), Person(host, "127.0.0.5")
    ada.join(code, "Ada")
    bob.join(code, "Bob")
    assert [p["shares_address_with"] for p in room_of(teacher, code)["participants"]] == [1, 1]
    after = kick(teacher, code, "Ada")
    assert after["banned"][0]["address_blocked"] is False
    assert ada.join(code).status == 403
    assert Person(host, "127.0.0.5").join(code, "Late").status == 200


def test_the_teacher_chooses_to_block_or_not(host: str) -> None:
    teacher, code, _ = teacher_room(host)
    ada, bob = Person(host, "127.0.0.6"), Person(host, "127.0.0.6")
    ada.join(code, "Ada")
    bob.join(code, "Bob")
    kick(teacher, code, "Ada", block_address=True)  # knowing it is shared
    assert Person(host, "127.0.0.6").join(code).status == 403
    assert bob.join(code, "Bob B").status == 200  # those already in stay in
    eve = Person(host, "127.0.0.7")
    eve.join(code, "Eve")
    kick(teacher, code, "Eve", block_address=False)
    assert eve.join(code).status == 403
    assert Person(host, "127.0.0.7").join(code).status == 200


def test_the_teachers_own_address_counts_as_shared(host: str) -> None:
    """The teacher on the school network: a student behind the same NAT is not the only
    one using that address, so kicking them does not block it."""
    teacher, code, _ = teacher_room(host, "127.0.0.8")
    student = Person(host, "127.0.0.8")
    student.join(code, "Ada")
    assert room_of(teacher, code)["participants"][0]["shares_address_with"] == 1
    assert kick(teacher, code, "Ada")["banned"][0]["address_blocked"] is False
    assert Person(host, "127.0.0.8").join(code).status == 200


def test_the_address_is_the_one_the_room_page_uses(host: str) -> None:
    """Joined from one network, then on the room page from another: the kick blocks the
    address the teacher saw online."""
    teacher, code, _ = teacher_room(host)
    ada = Person(host, "127.0.0.10")
    ada.join(code, "Ada")
    with connect(f"ws://{host}/ws/rooms/{code}", proxy=None, additional_headers=ada.headers,
                 source_address=("127.0.0.11", 0)) as ws:
        assert '"type":"room"' in str(ws.recv(timeout=10)).replace(" ", "")
        kick(teacher, code, "Ada")
    assert Person(host, "127.0.0.11").join(code).status == 403
    assert Person(host, "127.0.0.10").join(code).status == 200

