"""Who gets into a room: the code, the teacher's cap and lock, and kicks that hold.

A kick removes the participant's session for good (until the teacher allows it back). It
may also block the client address it used, so that a new session from the same device is
refused too. An address is only a good handle when one person uses it: behind a school's
NAT the whole class shares one, and blocking it would lock everyone out. So by default the
address is blocked only when no one else in the room (other participants present, or the
teacher) uses it; the teacher may choose either way. docs/security.md ("Kicks that hold
against a fresh session") says what this cannot stop. Every function here runs under the
Rooms lock.
"""

from __future__ import annotations

import secrets
import time

from server.classroom.room_records import TEACHER_ADDRESSES, Participant, Room, no_room
from server.errors import Conflict, Forbidden, Gone, InvalidInput


def removed(room: Room) -> Forbidden:
    return Forbidden(f"the teacher removed you from room {room.code}; ask the teacher if "
                     "that was a mistake (they can allow you back)", ["code"],
                     code="removed_from_room", params={"code": room.code})


def closed_for_changes(room: Room) -> Gone:
    return Gone(f"room {room.code} is closed; create a new room", ["code"],
                code="room_closed_create_new", params={"code": room.code})


def admit(room: Room, session_id: str, name: str, address: str | None) -> None:
    """Add this session to the room, or refuse it. Anyone holding an open room's code may
    join (the code is the secret); a closed room answers as if the code were unused."""
    participant = room.participants.get(session_id)
    if room.closed and participant is None:
        raise no_room(room.code, joining=True)
    if participant is not None and participant.kicked:
        raise removed(room)
    if room.closed:
        raise Gone(f"room {room.code} is closed; ask the teacher for the code of the new "
                   "room", ["code"], code="room_closed_ask_teacher", params={"code": room.code})
    if participant is not None:  # joining again: a new name, the address it uses now
        participant.name = name or participant.name
        participant.address = address or participant.address
        return
    if room.blocked(address):
        raise Forbidden(f"the teacher removed someone using your network address from room "
                        f"{room.code} and blocked new joins from it; if that was not you (a "
                        "shared school network), ask the teacher to allow it back", ["code"],
                        code="address_blocked", params={"code": room.code})
    if room.locked:
        raise Conflict(f"room {room.code} is locked: the teacher is not letting anyone new "
                       "join; ask the teacher to unlock it", ["code"],
                       code="room_locked", params={"code": room.code})
    present = len(room.present())
    if present >= room.max_participants:
        raise Conflict(f"room {room.code} is full: {present} people have joined and the "
                       f"teacher's limit is {room.max_participants}; ask the teacher to raise "
                       "the limit (or to remove someone who has left)", ["code"],
                       code="room_full", params={"code": room.code, "present": present,
                                                 "limit": room.max_participants})
    room.participants[session_id] = Participant(
        f"p-{secrets.token_hex(4)}", session_id, name or f"Student {len(room.participants) + 1}",
        address)


def _present(room: Room, participant_id: str, kicked: bool) -> Participant:
    found = next((p for p in room.participants.values()
                  if p.id == participant_id and p.kicked == kicked), None)
    if found is None:
        where = "removed participant" if kicked else "participant"
        field = "banned" if kicked else "participants"
        raise InvalidInput(f"no {where} {participant_id[:40]!r} in room {room.code}; the list "
                           f"is `{field}` in GET /api/rooms/{room.code}", ["participant_id"],
                           code="no_removed_participant" if kicked else "no_participant",
                           params={"participant": participant_id[:40], "code": room.code})
    return found


def kick(room: Room, participant_id: str, block_address: bool | None) -> Participant:
    """Remove a participant. block_address: also refuse new sessions from the address it
    used; None: only when no one else in the room uses that address."""
    found = _present(room, participant_id, kicked=False)
    if block_address is None:
        block_address = room.shares(found) == 0
    found.kicked, found.kicked_at = True, time.time()
    found.blocked_address = found.address if block_address else None
    return found


def allow_back(room: Room, participant_id: str) -> None:
    """Lift a kick: the session and the address it blocked may join again."""
    found = _present(room, participant_id, kicked=True)
    del room.participants[found.session_id]


def configure(room: Room, server_cap: int, max_participants: int | None,
              locked: bool | None) -> None:
    if room.closed:
        raise closed_for_changes(room)
    if max_participants is not None:
        if max_participants > server_cap:
            raise InvalidInput(f"max_participants {max_participants} is over this server's "
                               f"limit of {server_cap} participants per room "
                               f"(CNNPG_MAX_ROOM_PARTICIPANTS); choose 1 to {server_cap}",
                               ["max_participants"], code="over_participant_limit",
                               params={"max_participants": max_participants,
                                       "limit": server_cap})
        room.max_participants = max_participants
    if locked is not None:
        room.locked = locked


def seen_teacher(room: Room, address: str | None) -> None:
    """Remember an address the teacher used: a participant sharing it is on the teacher's
    network (a school NAT), so kicking them does not block it by default."""
    if address is None or address in room.teacher_addresses:
        return
    room.teacher_addresses.append(address)
    del room.teacher_addresses[:-TEACHER_ADDRESSES]
