"""Room tests against the real server (uvicorn on 127.0.0.1): whole answers (status, headers,
body bytes) over http.client, sockets with websockets' client, and each client on the
loopback address it chooses (127.0.0.2, 127.0.0.3...: Linux routes all of 127/8 to lo), so
that a kick's address block can be tried with real addresses."""

from __future__ import annotations

import http.client
import json
from dataclasses import dataclass
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect


@dataclass(frozen=True)
class Answer:
    status: int
    headers: tuple[tuple[str, str], ...]  # in order, without the date
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def ask(host: str, method: str, path: str, body: Any = None,
        headers: dict[str, str] | None = None, address: str = "127.0.0.1") -> Answer:
    name, port = host.split(":")
    connection = http.client.HTTPConnection(name, int(port), timeout=20,
                                            source_address=(address, 0))
    sent = dict(headers or {})
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        sent["content-type"] = "application/json"
    try:
        connection.request(method, path, body=data, headers=sent)
        response = connection.getresponse()
        return Answer(response.status, tuple(
            (k.lower(), v) for k, v in response.getheaders() if k.lower() != "date"),
            response.read())
    finally:
        connection.close()


class Person:
    """One session (a bearer token), on one loopback address."""

    def __init__(self, host: str, address: str = "127.0.0.1") -> None:
        self.host, self.address = host, address
        made = ask(host, "POST", "/api/sessions", address=address).json()
        self.headers = {"Authorization": f"Bearer {made['token']}"}

    def ask(self, method: str, path: str, body: Any = None,
            headers: dict[str, str] | None = None) -> Answer:
        return ask(self.host, method, path, body, {**self.headers, **(headers or {})},
                   self.address)

    def join(self, code: str, name: str = "") -> Answer:
        return self.ask("POST", f"/api/rooms/{code}/join", {"name": name} if name else {})

    def socket(self, code: str, headers: dict[str, str] | None = None) -> tuple[
            list[str], int | None, str | None]:
        """Everything the room socket sends until it closes (it must close: a refusal), and
        its close code and reason."""
        received: list[str] = []
        with connect(f"ws://{self.host}/ws/rooms/{code}", proxy=None,
                     additional_headers={**self.headers, **(headers or {})},
                     source_address=(self.address, 0)) as ws:
            try:
                while True:
                    message = ws.recv(timeout=10)
                    received.append(message if isinstance(message, str) else repr(message))
            except ConnectionClosed as closed:
                frame = closed.rcvd
                return received, frame and frame.code, frame and frame.reason
        raise AssertionError("unreachable")


def teacher_room(host: str, address: str = "127.0.0.1", **settings: Any) -> tuple[
        Person, str, str]:
    """A teacher, a new room's code and its teacher key."""
    teacher = Person(host, address)
    made = teacher.ask("POST", "/api/rooms", {"title": "Period 3", **settings})
    assert made.status == 201, made.body
    return teacher, made.json()["code"], made.json()["teacher_key"]
