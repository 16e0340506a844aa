"""Classroom rooms: a teacher broadcasts one thing (a run, a network, the Kernel Lab, a model)
to everyone who joined with the room's short code.

Rooms live in a table (server.classroom.room_table): this process's memory, like runs (a
restart closes them), or Redis with CNNPG_REDIS_URL, shared by every API replica. A change
re-reads the room by code and applies the rule to what is stored now, atomically, so the
Room a caller holds is a snapshot: the methods that change a room return it as changed.
Every change is announced on the hub topic `room:<code>`; each room socket then renders
the view its reader may see (the teacher sees the participants, a student only themself).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from server.classroom import admission
from server.classroom.room_records import (
    ALPHABET,
    CODE_LENGTH,
    DEFAULT_PARTICIPANTS,
    KEEP_CLOSED_S,
    KINDS,
    NAME_LIMIT,
    ROOM_HOURS,
    TITLE_LIMIT,
    Broadcast,
    Participant,
    Room,
    no_room,
    normalize_code,
)
from server.classroom.room_table import MemoryTable, RoomTable, overdue
from server.config import Settings
from server.errors import Forbidden, Gone, OverLimit
from server.hub import Hub

ROOMS_PER_SESSION = 5
T = TypeVar("T")
__all__ = ["ALPHABET", "CODE_LENGTH", "KEEP_CLOSED_S", "KINDS", "NAME_LIMIT", "ROOM_HOURS",
           "TITLE_LIMIT", "Broadcast", "Participant", "Room", "Rooms", "normalize_code"]


def _hash(key: str) -> bytes:
    return hashlib.sha256(key.encode()).digest()


def build_rooms(hub: Hub, settings: Settings) -> Rooms:
    """In this process's memory, or in Redis when CNNPG_REDIS_URL is set."""
    table: RoomTable = MemoryTable()
    if settings.redis_url:
        from server.classroom.room_redis import RedisTable  # the client only when used

        table = RedisTable(settings.redis_url)
    return Rooms(hub, settings.max_rooms, settings.max_room_participants, table)


def _close_overdue(room: Room) -> bool:
    """Close a room past ROOM_HOURS; True when this call closed it."""
    if not overdue(room, time.time()):
        return False
    room.closed, room.closed_at = True, time.time()
    return True


def _leave(room: Room, session_id: str) -> None:
    participant = room.participants.get(session_id)
    if participant is not None and not participant.kicked:
        del room.participants[session_id]


def _close(room: Room) -> None:
    room.closed, room.closed_at = True, time.time()


def _show(room: Room, broadcast: Broadcast) -> None:
    if room.closed:
        raise admission.closed_for_changes(room)
    broadcast.seq = room.broadcast.seq + 1
    room.broadcast = broadcast
    if broadcast.run_id:
        room.shared_runs.add(broadcast.run_id)
    if broadcast.model_id:
        room.shared_models.add(broadcast.model_id)
    if broadcast.dataset_id:
        room.shared_datasets.add(broadcast.dataset_id)


def _seen_at(room: Room, session_id: str, address: str) -> None:
    participant = room.participants.get(session_id)
    if participant is not None:
        participant.address = address


class Rooms:
    def __init__(self, hub: Hub, max_rooms: int, max_participants: int,
                 table: RoomTable | None = None):
        self.hub = hub
        self.max_rooms = max_rooms
        self.max_participants = max_participants
        self.table: RoomTable = table if table is not None else MemoryTable()

    def _memory(self) -> MemoryTable:
        assert isinstance(self.table, MemoryTable), "only the memory table holds rooms here"
        return self.table

    @property
    def rooms(self) -> dict[str, Room]:
        """The memory table's rooms by code (tests age or forget a room through it)."""
        return self._memory().rooms

    @property
    def lock(self) -> threading.Lock:
        return self._memory().lock

    def stop(self) -> None:
        self.table.close()

    def _settle(self, room: Room | None) -> Room | None:
        """The room, closed first when it is past ROOM_HOURS (whoever sees that first closes
        it, on any replica, and tells its sockets)."""
        if room is None or not overdue(room, time.time()):
            return room
        done = self.table.update(room.code, _close_overdue)
        if done is None:
            return None
        if done[1]:
            self.hub.publish(f"room:{room.code}", {"type": "closed"})
        return done[0]

    def _change(self, room: Room, change: Callable[[Room], T],
                joining: bool = False) -> tuple[Room, T]:
        """Apply `change` to the room as stored now (not to the caller's snapshot)."""
        done = self.table.update(room.code, change)
        if done is None:
            raise no_room(room.code, joining)
        return done

    def create(self, owner: str, title: str, max_participants: int | None = None,
               locked: bool = False, address: str | None = None,
               language: str | None = None) -> tuple[Room, str]:
        """A new room and its teacher key (only its hash is kept)."""
        key, seen_overdue = secrets.token_urlsafe(18), list[Room]()

        def check(open_rooms: list[Room]) -> None:
            now = time.time()
            seen_overdue.extend(r for r in open_rooms if overdue(r, now))
            self._check_room_limits(owner, [r for r in open_rooms if not overdue(r, now)])

        def make(code: str) -> Room:
            room = Room(code=code, title=title, owner=owner, key_hash=_hash(key),
                        max_participants=min(DEFAULT_PARTICIPANTS, self.max_participants),
                        language=language)
            admission.configure(room, self.max_participants, max_participants, locked)
            admission.seen_teacher(room, address)
            return room

        room = self.table.add(make, check)
        for old in seen_overdue:  # creating a room tidies the others
            self._settle(old)
        return room, key

    def _check_room_limits(self, owner: str, open_rooms: list[Room]) -> None:
        if len(open_rooms) >= self.max_rooms:
            raise OverLimit(f"this server already has {len(open_rooms)} open rooms, its "
                            "limit (CNNPG_MAX_ROOMS); close rooms that are no longer used",
                            ["rooms"], code="server_room_limit",
                            params={"count": len(open_rooms)})
        mine = sorted(r.code for r in open_rooms if r.owner == owner)
        if len(mine) >= ROOMS_PER_SESSION:
            raise OverLimit(f"you already have {len(mine)} open rooms ({', '.join(mine)}), "
                            f"the limit per session is {ROOMS_PER_SESSION}; close one "
                            "with POST /api/rooms/{code}/close", ["rooms"],
                            code="session_room_limit",
                            params={"count": len(mine), "rooms": mine,
                                    "limit": ROOMS_PER_SESSION})

    def get(self, code: str) -> Room | None:
        """The room as stored now (None once it is gone); `code` already normalized."""
        return self._settle(self.table.get(code))

    def _find(self, code: str, joining: bool = False) -> Room:
        cleaned = normalize_code(code)
        room = self.get(cleaned)
        if room is None:
            raise no_room(cleaned, joining)
        return room

    def is_teacher(self, room: Room, session_id: str, key: str | None) -> bool:
        return room.owner == session_id or (
            key is not None and hmac.compare_digest(_hash(key), room.key_hash))

    def access(self, code: str, session_id: str, key: str | None = None,
               teacher_only: bool = False, address: str | None = None) -> tuple[Room, bool]:
        """(the room, whether the caller is its teacher); refuses everyone else. Only its
        teacher and its participants learn that the room exists: anyone else gets the
        answer of an unused code."""
        room = self._find(code)
        if self.is_teacher(room, session_id, key):
            if address is not None and address not in room.teacher_addresses:
                # a write only for a new address: a teacher's reads stay reads
                room, _ = self._change(room, lambda r: admission.seen_teacher(r, address))
            return room, True
        participant = room.participants.get(session_id)
        if participant is None:
            raise no_room(room.code)
        if participant.kicked:
            raise admission.removed(room)
        if teacher_only:
            raise Forbidden(f"only the teacher of room {room.code} can do this (the session "
                            "that created it, or a request with its X-Teacher-Key)", ["code"],
                            code="teacher_only", params={"code": room.code})
        if room.closed:
            raise Gone(f"room {room.code} is closed", ["code"], code="room_closed",
                       params={"code": room.code})
        return room, False

    def join(self, code: str, session_id: str, name: str,
             address: str | None = None) -> tuple[Room, bool]:
        room = self._find(code, joining=True)
        if self.is_teacher(room, session_id, None):
            return room, True
        room, _ = self._change(room, lambda r: admission.admit(r, session_id, name, address),
                               joining=True)
        self.changed(room)
        return room, False

    def leave(self, room: Room, session_id: str) -> Room:
        room, _ = self._change(room, lambda r: _leave(r, session_id))
        self.changed(room)
        return room

    def kick(self, room: Room, participant_id: str, block_address: bool | None = None) -> Room:
        room, found = self._change(
            room, lambda r: admission.kick(r, participant_id, block_address))
        self.hub.publish(f"room:{room.code}", {"type": "kicked", "participant": found.id})
        self.changed(room)
        return room

    def allow_back(self, room: Room, participant_id: str) -> Room:
        room, _ = self._change(room, lambda r: admission.allow_back(r, participant_id))
        self.changed(room)
        return room

    def configure(self, room: Room, max_participants: int | None = None,
                  locked: bool | None = None) -> Room:
        room, _ = self._change(room, lambda r: admission.configure(
            r, self.max_participants, max_participants, locked))
        self.changed(room)
        return room

    def close(self, room: Room) -> Room:
        room, _ = self._change(room, _close)
        self.hub.publish(f"room:{room.code}", {"type": "closed"})
        return room

    def set_broadcast(self, room: Room, broadcast: Broadcast) -> Room:
        room, _ = self._change(room, lambda r: _show(r, broadcast))
        self.changed(room)
        return room

    def online(self, room: Room, session_id: str, delta: int,
               address: str | None = None) -> None:
        """Count a participant's open sockets (and remember the address it connects from)."""
        participant = room.participants.get(session_id)
        if delta > 0 and participant is None:
            return
        if address is not None and participant is not None and participant.address != address:
            self.table.update(room.code, lambda r: _seen_at(r, session_id, address))
        self.table.online(room.code, session_id, delta)
        self.changed(room)

    def changed(self, room: Room) -> None:
        self.hub.publish(f"room:{room.code}", {"type": "changed"})

    def _open_of(self, session_id: str) -> list[Room]:
        rooms = [self._settle(r) for r in self.table.of_session(session_id)]
        # oldest first, as listed before Redis (whose sets have no order)
        return sorted((r for r in rooms if r is not None and not r.closed),
                      key=lambda r: r.created)

    def mine(self, session_id: str) -> tuple[list[Room], list[Room]]:
        """Open rooms this session teaches, and open rooms it joined."""
        rooms = self._open_of(session_id)
        return ([r for r in rooms if r.owner == session_id],
                [r for r in rooms if r.member(session_id) is not None])

    def shares(self, session_id: str, run_id: str | None = None, model_id: str | None = None,
               model_owner: str | None = None, dataset_id: str | None = None) -> bool:
        """Whether an open room this session joined broadcasts (or did) that run, or that
        model while it is still its teacher's (model_owner: the model's owner now), or that
        dataset (a dataset's owner never changes: a fork is a new dataset)."""
        return any(r.member(session_id) is not None and (
            run_id in r.shared_runs or (model_id in r.shared_models and r.owner == model_owner)
            or dataset_id in r.shared_datasets) for r in self._open_of(session_id))
