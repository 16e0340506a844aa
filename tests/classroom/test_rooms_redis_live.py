"""Two real uvicorn replicas (127.0.0.1, two ports) sharing one redis-server, with clients on
their own loopback addresses: a kick's address block made through one replica holds on the
other, and a teacher key shown by one works on the other."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
from app_settings import make_settings
from live_server import serving
from redis_server import RedisServer

from server.main import create_app

from .live_rooms import Person, teacher_room

pytestmark = pytest.mark.cluster


@pytest.fixture
def hosts(redis_server: RedisServer) -> Iterator[tuple[str, str]]:
    shared = {"redis_url": redis_server.url, "session_secret": secrets.token_hex(32)}
    with serving(create_app(make_settings(**shared))) as a, \
            serving(create_app(make_settings(**shared))) as b:
        yield a, b


def on(person: Person, host: str) -> Person:
    """The same session (token and address), through another replica."""
    person.host = host
    return person


def test_an_address_blocked_on_a_is_refused_on_b(hosts: tuple[str, str]) -> None:
    a, b = hosts
    teacher, code, key = teacher_room(a)
    ada = Person(a, "127.0.0.2")
    assert ada.join(code, "Ada").status == 200
    pid = teacher.ask("GET", f"/api/rooms/{code}").json()["participants"][0]["id"]
    kicked = on(teacher, b).ask("POST", f"/api/rooms/{code}/kick", {"participant_id": pid})
    assert kicked.status == 200, kicked.body
    assert kicked.json()["banned"][0]["address_blocked"]  # no one else used 127.0.0.2
    again = Person(a, "127.0.0.2").join(code)  # a new session, same device, replica A
    assert again.status == 403
    assert "blocked new joins" in again.json()["detail"][0]["msg"]
    assert Person(b, "127.0.0.3").join(code).status == 200
    # the teacher key shown by A works on B, for another device
    stranger = Person(b, "127.0.0.4")
    seen = stranger.ask("GET", f"/api/rooms/{code}", headers={"X-Teacher-Key": key})
    assert seen.status == 200
    assert seen.json()["teacher"]
    socket, close, _ = on(ada, b).socket(code)  # the kicked session's socket, on B
    assert close == 4403
    assert '"status":403' in socket[0].replace(" ", "")
