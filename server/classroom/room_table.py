"""Where rooms are kept: the seam between the room rules (server.classroom.rooms) and their
storage. The memory table keeps them in this process, as before; the Redis table
(server.classroom.room_redis) keeps them in Redis so that every API replica sees the same
rooms. Both apply a change atomically: `update` re-reads the room by code and runs the
change on what is stored now, so two replicas never overwrite each other's changes.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from typing import Protocol, TypeVar

from server.classroom.room_records import ALPHABET, CODE_LENGTH, KEEP_CLOSED_S, ROOM_HOURS, Room

T = TypeVar("T")
# Checks the open rooms before a new one is stored (the server's and the owner's limits):
# raises to refuse. Runs inside the table's atomic step.
LimitCheck = Callable[[list[Room]], None]


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def overdue(room: Room, now: float) -> bool:
    """Open for longer than a school day: it closes by itself."""
    return not room.closed and now - room.created > ROOM_HOURS * 3600


def forgotten(room: Room, now: float) -> bool:
    """Closed long enough ago that its code is answered as unused."""
    return room.closed and now - room.closed_at > KEEP_CLOSED_S


def deadline(room: Room) -> int:
    """When a stored room may be dropped (Unix seconds): KEEP_CLOSED_S after it closed, or
    after it will close by itself."""
    closes = room.closed_at if room.closed else room.created + ROOM_HOURS * 3600
    return int(closes + KEEP_CLOSED_S) + 1


class RoomTable(Protocol):
    def get(self, code: str) -> Room | None:
        """The room as stored now; None once it is gone."""

    def of_session(self, session_id: str) -> list[Room]:
        """Rooms this session created or has a place in (kicked included)."""

    def add(self, make: Callable[[str], Room], check: LimitCheck) -> Room:
        """Atomically: `check` the open rooms, then store make(code) under a code no stored
        room has."""

    def update(self, code: str, change: Callable[[Room], T]) -> tuple[Room, T] | None:
        """Atomically apply `change` to the stored room; (the room after it, what change
        returned), or None when there is no such room. An exception from change stores
        nothing."""

    def online(self, code: str, session_id: str, delta: int) -> None:
        """Count a participant's open room sockets up or down (never below 0)."""

    def close(self) -> None:
        """Release connections (the server is stopping)."""


class MemoryTable:
    """This process's rooms. `rooms` and `lock` are plain attributes: a change mutates the
    stored Room in place, so every holder of it sees the change (as before the seam)."""

    def __init__(self) -> None:
        self.rooms: dict[str, Room] = {}
        self.lock = threading.Lock()

    def _live(self, code: str, now: float) -> Room | None:
        """Under the lock: the room, after forgetting it when it has been closed long."""
        room = self.rooms.get(code)
        if room is not None and forgotten(room, now):
            del self.rooms[code]
            return None
        return room

    def get(self, code: str) -> Room | None:
        with self.lock:
            return self._live(code, time.time())

    def of_session(self, session_id: str) -> list[Room]:
        now = time.time()
        with self.lock:
            rooms = [self._live(code, now) for code in list(self.rooms)]
        return [r for r in rooms if r is not None and (
            r.owner == session_id or session_id in r.participants)]

    def add(self, make: Callable[[str], Room], check: LimitCheck) -> Room:
        now = time.time()
        with self.lock:
            rooms = [self._live(code, now) for code in list(self.rooms)]
            check([r for r in rooms if r is not None and not r.closed])
            code = new_code()
            while code in self.rooms:
                code = new_code()
            room = self.rooms[code] = make(code)
        return room

    def update(self, code: str, change: Callable[[Room], T]) -> tuple[Room, T] | None:
        with self.lock:
            room = self._live(code, time.time())
            if room is None:
                return None
            return room, change(room)

    def online(self, code: str, session_id: str, delta: int) -> None:
        with self.lock:
            room = self.rooms.get(code)
            participant = room.participants.get(session_id) if room else None
            if participant is not None:
                participant.online = max(0, participant.online + delta)

    def close(self) -> None:
        pass
