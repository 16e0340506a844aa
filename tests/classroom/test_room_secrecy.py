"""A stranger cannot tell a live room code from an unused one: every room endpoint and the
room socket give a stranger the very same answer (status, headers but the date, body bytes;
messages, close code and reason) for a live room, a closed one, and the same code once no
room has it. Only the teacher and the participants learn that the room exists."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from app_settings import make_settings
from live_server import serving

from server.classroom.rooms import ALPHABET
from server.main import create_app
from server.services import Services

from .fixtures import TINY
from .live_rooms import Answer, Person, teacher_room

Live = tuple[str, Services]


@pytest.fixture(scope="module")
def live() -> Iterator[Live]:
    app = create_app(make_settings())
    with serving(app) as host:
        yield host, app.state.services


def endpoints(pid: str, banned: str) -> dict[str, tuple[str, str, Any]]:
    """Each room endpoint: method, path after /api/rooms/{code}, body. The ids are those of
    a real participant and a real removed one, so a live room has something to find."""
    return {
        "get": ("GET", "", None),
        "leave": ("POST", "/leave", None),
        "broadcast": ("PUT", "/broadcast", {"kind": "network", "network": TINY}),
        "kick": ("POST", "/kick", {"participant_id": pid}),
        "kick and block": ("POST", "/kick", {"participant_id": pid, "block_address": True}),
        "unban": ("POST", "/unban", {"participant_id": banned}),
        "settings": ("PATCH", "", {"max_participants": 5, "locked": True}),
        "close": ("POST", "/close", None),
        "fork": ("POST", "/fork", {"what": "network"}),
    }


def busy_room(host: str) -> tuple[str, str, str, Person]:
    """An open room with a broadcast, a participant online and one removed: its code, the
    participant's id, the removed one's id, and the teacher."""
    teacher, code, _ = teacher_room(host)
    ada, bob = Person(host, "127.0.0.2"), Person(host, "127.0.0.3")
    ada.join(code, "Ada")
    bob.join(code, "Bob")
    teacher.ask("PUT", f"/api/rooms/{code}/broadcast", {"kind": "network", "network": TINY})
    people = teacher.ask("GET", f"/api/rooms/{code}").json()["participants"]
    ids = {p["name"]: p["id"] for p in people}
    assert teacher.ask("POST", f"/api/rooms/{code}/kick",
                       {"participant_id": ids["Bob"]}).status == 200
    return code, ids["Ada"], ids["Bob"], teacher


def forget(services: Services, code: str) -> None:
    """The code as if no room ever had it (as after KEEP_CLOSED_S, or a restart)."""
    with services.rooms.lock:
        del services.rooms.rooms[code]


def everything(stranger: Person, code: str, pid: str, banned: str,
               headers: dict[str, str] | None = None) -> dict[str, Any]:
    """What the stranger gets from every endpoint and from the socket."""
    got: dict[str, Any] = {name: stranger.ask(method, f"/api/rooms/{code}{rest}", body, headers)
                           for name, (method, rest, body) in endpoints(pid, banned).items()}
    got["socket"] = stranger.socket(code, headers)
    return got


@pytest.mark.parametrize("state", ["open", "closed"])
@pytest.mark.parametrize("key", [None, "a-guessed-teacher-key"])
def test_a_stranger_gets_the_same_answers_as_for_an_unused_code(
        live: Live, state: str, key: str | None) -> None:
    host, services = live
    code, pid, banned, teacher = busy_room(host)
    if state == "closed":
        teacher.ask("POST", f"/api/rooms/{code}/close")
    stranger = Person(host, "127.0.0.9")
    headers = {"X-Teacher-Key": key} if key else None
    seen_live = everything(stranger, code, pid, banned, headers)
    forget(services, code)
    unused = everything(stranger, code, pid, banned, headers)
    for name, answer in seen_live.items():
        assert answer == unused[name], name  # byte for byte
    for name in endpoints(pid, banned):
        assert seen_live[name].status == 404, (name, seen_live[name].body)
        assert seen_live[name].json()["detail"][0]["loc"] == ["code"]
    messages, close, _ = seen_live["socket"]
    assert close == 4404
    assert '"status":404' in messages[0].replace(" ", "")


def test_joining_a_closed_room_is_answered_like_an_unused_code(live: Live) -> None:
    """Joining is where a live code does let you in (the code is the secret); a closed
    room says nothing to someone who was not in it."""
    host, services = live
    teacher, code, _ = teacher_room(host)
    member = Person(host, "127.0.0.2")
    assert member.join(code, "Ada").status == 200
    teacher.ask("POST", f"/api/rooms/{code}/close")
    stranger = Person(host, "127.0.0.9")
    closed = stranger.join(code, "Eve")
    assert member.join(code).status == 410  # Ada was there: she is told it closed
    forget(services, code)
    unused = stranger.join(code, "Eve")
    assert closed == unused
    assert closed.status == 404
    assert "no open room has the code" in closed.json()["detail"][0]["msg"]


def same_but_code(a: Answer, b: Answer, code_a: str, code_b: str) -> bool:
    return a == Answer(b.status, b.headers, b.body.replace(code_b.encode(), code_a.encode()))


def test_another_unused_code_differs_only_by_the_code_itself(live: Live) -> None:
    host, _ = live
    code, pid, banned, _ = busy_room(host)
    free = next(c * 6 for c in ALPHABET if c * 6 not in live[1].rooms.rooms)
    stranger = Person(host, "127.0.0.9")
    at_live = everything(stranger, code, pid, banned)
    at_free = everything(stranger, free, pid, banned)
    for name in endpoints(pid, banned):
        assert same_but_code(at_live[name], at_free[name], code, free), name
    assert at_live["socket"][1:] == at_free["socket"][1:]
    assert [m.replace(free, code) for m in at_free["socket"][0]] == at_live["socket"][0]


def test_the_teacher_and_participants_still_see_the_room(live: Live) -> None:
    host, _ = live
    code, pid, _, teacher = busy_room(host)
    assert teacher.ask("GET", f"/api/rooms/{code}").json()["participant_count"] == 1
    ada = Person(host, "127.0.0.2")  # Ada's address, but a new session: not a participant
    assert ada.ask("GET", f"/api/rooms/{code}").status == 404
    participant = Person(host, "127.0.0.4")
    participant.join(code, "Cy")
    assert participant.ask("GET", f"/api/rooms/{code}").json()["you"]["name"] == "Cy"
    refused = participant.ask("POST", f"/api/rooms/{code}/kick", {"participant_id": pid})
    assert refused.status == 403  # a participant knows the room: told why
    assert "only the teacher" in refused.json()["detail"][0]["msg"]
