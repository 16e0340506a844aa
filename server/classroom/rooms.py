"""Classroom rooms: a teacher broadcasts one thing (a run, a network, the Kernel Lab, a model)
to everyone who joined with the room's short code.

Rooms live in memory, like runs: a restart closes them. Every change is announced on the
hub topic `room:<code>`; each room socket then renders the view its reader may see (the
teacher sees the participants, a student only themself).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from server.errors import Forbidden, Gone, InvalidInput, NotFound, OverLimit
from server.hub import Hub
from server.nn.spec import NetworkSpec

ALPHABET = "ACDEFHJKMNPQRTUVWXY3479"  # no 0/O, 1/I/L, 2/Z, 5/S, 8/B, 6/G look-alikes
CODE_LENGTH = 6
ROOMS_PER_SESSION = 5
KINDS = ("none", "run", "network", "kernel_lab", "model")
ROOM_HOURS = 12  # a room closes by itself after this long (a school day)
KEEP_CLOSED_S = 3600  # a closed room is still answered as "closed" (410) for an hour
TITLE_LIMIT, NAME_LIMIT = 80, 40  # characters (server.text: after NFC)


@dataclass(eq=False)
class Participant:
    id: str
    session_id: str
    name: str
    joined: float = field(default_factory=time.time)
    online: int = 0  # open room sockets
    kicked: bool = False

    def view(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "joined": self.joined,
                "online": self.online > 0}


@dataclass
class Broadcast:
    kind: str = "none"
    run_id: str | None = None
    network: NetworkSpec | None = None  # parsed by the route that received it
    kernel_lab: dict[str, Any] | None = None
    model_id: str | None = None
    follow: bool = True
    title: str = ""
    seq: int = 0

    def view(self) -> dict[str, Any]:
        """As JSON: the network as its spec's JSON."""
        shown = vars(self).copy()
        if self.network is not None:
            shown["network"] = self.network.model_dump(mode="json")
        return shown


@dataclass(eq=False)
class Room:
    code: str
    title: str
    owner: str  # the teacher's session id
    key_hash: bytes
    created: float = field(default_factory=time.time)
    closed: bool = False
    closed_at: float = 0.0
    participants: dict[str, Participant] = field(default_factory=dict)  # by session id
    broadcast: Broadcast = field(default_factory=Broadcast)
    shared_runs: set[str] = field(default_factory=set)  # ever broadcast here
    shared_models: set[str] = field(default_factory=set)

    def member(self, session_id: str) -> Participant | None:
        participant = self.participants.get(session_id)
        return None if participant is None or participant.kicked else participant

    def view(self, session_id: str, teacher: bool) -> dict[str, Any]:
        present = [p for p in self.participants.values() if not p.kicked]
        you = None if teacher else self.member(session_id)
        return {
            "code": self.code, "title": self.title, "created": self.created,
            "closed": self.closed, "teacher": teacher,
            "you": None if you is None else {"id": you.id, "name": you.name},
            "participant_count": len(present),
            "online_count": sum(1 for p in present if p.online),
            "participants": [p.view() for p in present] if teacher else [],
            "broadcast": self.broadcast.view()}


def _hash(key: str) -> bytes:
    return hashlib.sha256(key.encode()).digest()


def _not_kicked(room: Room, session_id: str) -> Participant | None:
    """This session's place in the room (None if it never joined); 403 if it was removed."""
    participant = room.participants.get(session_id)
    if participant is not None and participant.kicked:
        raise Forbidden(f"the teacher removed you from room {room.code}", ["code"])
    return participant


def normalize_code(code: str) -> str:
    """What a student typed, as a code: case and spaces or dashes do not matter."""
    cleaned = code.strip().upper().replace(" ", "").replace("-", "")
    if len(cleaned) != CODE_LENGTH or any(c not in ALPHABET for c in cleaned):
        raise NotFound(f"no room with code {code[:20]!r}: a code is {CODE_LENGTH} letters and "
                       f"digits from {ALPHABET}; check the code on the teacher's screen",
                       ["code"])
    return cleaned


class Rooms:
    def __init__(self, hub: Hub, max_rooms: int, max_participants: int):
        self.hub = hub
        self.max_rooms = max_rooms
        self.max_participants = max_participants
        self.rooms: dict[str, Room] = {}
        self.lock = threading.Lock()

    def _expire(self) -> None:
        """Under the lock: close rooms past ROOM_HOURS, forget long-closed ones."""
        now = time.time()
        for code, room in list(self.rooms.items()):
            if not room.closed and now - room.created > ROOM_HOURS * 3600:
                room.closed, room.closed_at = True, now
                self.hub.publish(f"room:{code}", {"type": "closed"})
            elif room.closed and now - room.closed_at > KEEP_CLOSED_S:
                del self.rooms[code]

    def create(self, owner: str, title: str) -> tuple[Room, str]:
        """A new room and its teacher key (only its hash is kept)."""
        with self.lock:
            self._expire()
            open_rooms = [r for r in self.rooms.values() if not r.closed]
            if len(open_rooms) >= self.max_rooms:
                raise OverLimit(f"this server already has {len(open_rooms)} open rooms, its "
                                "limit (CNNPG_MAX_ROOMS); close rooms that are no longer used",
                                ["rooms"])
            mine = [r.code for r in open_rooms if r.owner == owner]
            if len(mine) >= ROOMS_PER_SESSION:
                raise OverLimit(f"you already have {len(mine)} open rooms ({', '.join(mine)}), "
                                f"the limit per session is {ROOMS_PER_SESSION}; close one "
                                "with POST /api/rooms/{code}/close", ["rooms"])
            code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
            while code in self.rooms:
                code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
            key = secrets.token_urlsafe(18)
            room = Room(code=code, title=title, owner=owner, key_hash=_hash(key))
            self.rooms[code] = room
        return room, key

    def get(self, code: str) -> Room:
        cleaned = normalize_code(code)
        with self.lock:
            self._expire()
            room = self.rooms.get(cleaned)
        if room is None:
            raise NotFound(f"no room with code {cleaned!r}; check the code on the teacher's "
                           "screen (rooms end when the server restarts)", ["code"])
        return room

    def is_teacher(self, room: Room, session_id: str, key: str | None) -> bool:
        return room.owner == session_id or (
            key is not None and hmac.compare_digest(_hash(key), room.key_hash))

    def access(self, code: str, session_id: str, key: str | None = None,
               teacher_only: bool = False) -> tuple[Room, bool]:
        """(the room, whether the caller is its teacher); refuses everyone else."""
        room = self.get(code)
        teacher = self.is_teacher(room, session_id, key)
        if teacher:
            return room, True
        if teacher_only:
            raise Forbidden(f"only the teacher of room {room.code} can do this (the session "
                            "that created it, or a request with its X-Teacher-Key)", ["code"])
        participant = _not_kicked(room, session_id)
        if participant is None:
            raise Forbidden(f"you have not joined room {room.code}; join it first with "
                            f"POST /api/rooms/{room.code}/join", ["code"])
        if room.closed:
            raise Gone(f"room {room.code} is closed", ["code"])
        return room, False

    def join(self, code: str, session_id: str, name: str) -> tuple[Room, bool]:
        room = self.get(code)
        if self.is_teacher(room, session_id, None):
            return room, True
        with self.lock:
            if room.closed:
                raise Gone(f"room {room.code} is closed; ask the teacher for the code of "
                           "the new room", ["code"])
            participant = _not_kicked(room, session_id)
            if participant is None:
                present = sum(1 for p in room.participants.values() if not p.kicked)
                if present >= self.max_participants:
                    raise OverLimit(f"room {room.code} is full ({present} participants, the "
                                    "limit CNNPG_MAX_ROOM_PARTICIPANTS)", ["code"])
                room.participants[session_id] = Participant(
                    f"p-{secrets.token_hex(4)}", session_id,
                    name or f"Student {len(room.participants) + 1}")
            elif name:
                participant.name = name
        self.changed(room)
        return room, False

    def leave(self, room: Room, session_id: str) -> None:
        with self.lock:
            participant = room.participants.get(session_id)
            if participant is not None and not participant.kicked:
                del room.participants[session_id]
        self.changed(room)

    def kick(self, room: Room, participant_id: str) -> None:
        with self.lock:
            found = next((p for p in room.participants.values() if p.id == participant_id
                          and not p.kicked), None)
            if found is None:
                raise InvalidInput(f"no participant {participant_id[:40]!r} in room "
                                   f"{room.code}; the list is in GET /api/rooms/{room.code}",
                                   ["participant_id"])
            found.kicked = True
        self.hub.publish(f"room:{room.code}", {"type": "kicked", "participant": found.id})
        self.changed(room)

    def close(self, room: Room) -> None:
        with self.lock:
            room.closed, room.closed_at = True, time.time()
        self.hub.publish(f"room:{room.code}", {"type": "closed"})

    def set_broadcast(self, room: Room, broadcast: Broadcast) -> None:
        with self.lock:
            if room.closed:
                raise Gone(f"room {room.code} is closed; create a new room", ["code"])
            broadcast.seq = room.broadcast.seq + 1
            room.broadcast = broadcast
            if broadcast.run_id:
                room.shared_runs.add(broadcast.run_id)
            if broadcast.model_id:
                room.shared_models.add(broadcast.model_id)
        self.changed(room)

    def online(self, room: Room, session_id: str, delta: int) -> None:
        with self.lock:
            participant = room.participants.get(session_id)
            if participant is None:
                return
            participant.online = max(0, participant.online + delta)
        self.changed(room)

    def changed(self, room: Room) -> None:
        self.hub.publish(f"room:{room.code}", {"type": "changed"})

    def mine(self, session_id: str) -> tuple[list[Room], list[Room]]:
        """Open rooms this session teaches, and open rooms it joined."""
        with self.lock:
            self._expire()
            rooms = [r for r in self.rooms.values() if not r.closed]
        return ([r for r in rooms if r.owner == session_id],
                [r for r in rooms if r.member(session_id) is not None])

    def shares(self, session_id: str, run_id: str | None = None, model_id: str | None = None,
               model_owner: str | None = None) -> bool:
        """Whether an open room this session joined broadcasts (or did) that run, or that
        model while it is still its teacher's (model_owner: the model's owner now)."""
        with self.lock:
            self._expire()
            rooms = [r for r in self.rooms.values() if not r.closed]
        return any(r.member(session_id) is not None and (
            run_id in r.shared_runs or (model_id in r.shared_models and r.owner == model_owner))
            for r in rooms)
