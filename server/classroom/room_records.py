"""What a room holds: its participants (and those the teacher removed), what it broadcasts,
who may join, and the views each reader gets. Plain records; server.classroom.rooms owns
the changes (under its lock) and server.classroom.admission the rules for joining."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from server.errors import InvalidInput, NotFound
from server.i18n.languages import LANGUAGES
from server.nn.spec import NetworkSpec

ALPHABET = "ACDEFHJKMNPQRTUVWXY3479"  # no 0/O, 1/I/L, 2/Z, 5/S, 8/B, 6/G look-alikes
CODE_LENGTH = 6
KINDS = ("none", "run", "network", "kernel_lab", "model", "dataset")
ROOM_HOURS = 12  # a room closes by itself after this long (a school day)
KEEP_CLOSED_S = 3600  # a closed room is still answered as "closed" (410) to its members
TITLE_LIMIT, NAME_LIMIT = 80, 40  # characters (server.text: after NFC)
DEFAULT_PARTICIPANTS = 60  # a large class; the teacher raises it up to the server's cap
TEACHER_ADDRESSES = 8  # the teacher's client addresses remembered per room


@dataclass(eq=False)
class Participant:
    id: str
    session_id: str
    name: str
    address: str | None = None  # the client address it last joined or connected from
    joined: float = field(default_factory=time.time)
    online: int = 0  # open room sockets
    kicked: bool = False
    kicked_at: float = 0.0
    blocked_address: str | None = None  # new joins from here are refused (the kick chose it)

    def view(self, shares: int) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "joined": self.joined,
                "online": self.online > 0, "shares_address_with": shares}

    def ban_view(self) -> dict[str, Any]:
        """How the teacher's page lists a removed participant; the address itself is never
        shown (the teacher needs to know whether it is blocked, not what it is)."""
        return {"id": self.id, "name": self.name, "kicked_at": self.kicked_at,
                "address_blocked": self.blocked_address is not None}


@dataclass
class Broadcast:
    kind: str = "none"
    run_id: str | None = None
    network: NetworkSpec | None = None  # parsed by the route that received it
    kernel_lab: dict[str, Any] | None = None
    model_id: str | None = None
    dataset_id: str | None = None  # one of the teacher's own datasets
    follow: bool = True
    title: str = ""  # English, for programs; pages write it from title_parts
    # what the title is made of: a run's {"network", "dataset"}, a network's {"layers"}
    title_parts: dict[str, Any] = field(default_factory=dict)
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
    max_participants: int = DEFAULT_PARTICIPANTS
    locked: bool = False  # no new joins; those in the room stay
    created: float = field(default_factory=time.time)
    closed: bool = False
    closed_at: float = 0.0
    participants: dict[str, Participant] = field(default_factory=dict)  # by session id
    teacher_addresses: list[str] = field(default_factory=list)
    broadcast: Broadcast = field(default_factory=Broadcast)
    shared_runs: set[str] = field(default_factory=set)  # ever broadcast here
    shared_models: set[str] = field(default_factory=set)
    shared_datasets: set[str] = field(default_factory=set)
    # the teacher's page language (a tag of server.i18n.languages.LANGUAGES) when the room
    # was created: students' room pages suggest it, never impose it; None when not sent
    language: str | None = None

    def member(self, session_id: str) -> Participant | None:
        participant = self.participants.get(session_id)
        return None if participant is None or participant.kicked else participant

    def present(self) -> list[Participant]:
        return [p for p in self.participants.values() if not p.kicked]

    def shares(self, participant: Participant,
               counts: Counter[str | None] | None = None) -> int:
        """How many others in the room use this participant's address: the participants
        present, and the teacher (counted once) when it used the same address. counts:
        the present participants' addresses, counted once for a whole list."""
        address = participant.address
        if address is None:
            return 0
        counts = counts if counts is not None else Counter(p.address for p in self.present())
        others = counts[address] - (not participant.kicked)
        return others + (address in self.teacher_addresses)

    def blocked(self, address: str | None) -> bool:
        return address is not None and any(
            p.kicked and p.blocked_address == address for p in self.participants.values())

    def view(self, session_id: str, teacher: bool) -> dict[str, Any]:
        present = self.present()
        counts = Counter(p.address for p in present)
        you = None if teacher else self.member(session_id)
        return {
            "code": self.code, "title": self.title, "language": self.language,
            "created": self.created,
            "closed": self.closed, "teacher": teacher,
            "you": None if you is None else {"id": you.id, "name": you.name},
            "max_participants": self.max_participants, "locked": self.locked,
            "participant_count": len(present),
            "online_count": sum(1 for p in present if p.online),
            "participants": [p.view(self.shares(p, counts)) for p in present]
            if teacher else [],
            "banned": [p.ban_view() for p in self.participants.values() if p.kicked]
            if teacher else [],
            "broadcast": self.broadcast.view()}


def no_room(code: str, joining: bool = False) -> NotFound:
    """The one answer for a code that is not in use and for a room the caller may not know
    of (not its teacher, never joined, or closed before it joined): nothing in it tells a
    live code from an unused one."""
    if joining:
        return NotFound(f"no open room has the code {code!r}; check the code on the "
                        "teacher's screen (rooms end when the server restarts)", ["code"],
                        code="no_open_room", params={"code": code})
    return NotFound(f"no room with the code {code!r} that you have joined; check the code "
                    f"on the teacher's screen and join first with POST /api/rooms/{code}/join",
                    ["code"], code="room_not_joined", params={"code": code})


def normalize_code(code: str) -> str:
    """What a student typed, as a code: case and spaces or dashes do not matter."""
    cleaned = code.strip().upper().replace(" ", "").replace("-", "")
    if len(cleaned) != CODE_LENGTH or any(c not in ALPHABET for c in cleaned):
        raise NotFound(f"no room with code {code[:20]!r}: a code is {CODE_LENGTH} letters and "
                       f"digits from {ALPHABET}; check the code on the teacher's screen",
                       ["code"], code="bad_room_code",
                       params={"code": code[:20], "length": CODE_LENGTH, "letters": ALPHABET})
    return cleaned


def check_language(language: str | None) -> str | None:
    """A room's language (the teacher's page language): one of the pages' tags, exactly,
    or none."""
    if language is None or language in LANGUAGES:
        return language
    choices = list(LANGUAGES)
    raise InvalidInput(f"language {language[:35]!r} is not a language the pages speak; "
                       f"choose one of {', '.join(choices)} (GET /api/i18n lists them), or "
                       "leave it out", ["language"], code="unknown_language",
                       params={"language": language[:35], "choices": choices})
