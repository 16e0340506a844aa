"""A room as one JSON document, the form the Redis table stores. Everything a room holds
round-trips except the participants' `online` counts, which live beside the document (a
Redis hash counted up and down by the sockets, so that presence never rewrites the room)."""

from __future__ import annotations

import json
from typing import Any

from server.classroom.room_records import Broadcast, Participant, Room
from server.nn.spec import NetworkSpec

VERSION = 1  # a document of another version is not read (rooms last a school day)


def _participant(p: Participant) -> dict[str, Any]:
    return {"id": p.id, "session_id": p.session_id, "name": p.name, "address": p.address,
            "joined": p.joined, "kicked": p.kicked, "kicked_at": p.kicked_at,
            "blocked_address": p.blocked_address}


def dumps(room: Room) -> str:
    b = room.broadcast
    broadcast = {**vars(b), "network": None if b.network is None
                 else b.network.model_dump(mode="json")}
    return json.dumps({
        "v": VERSION, "code": room.code, "title": room.title, "owner": room.owner,
        "key_hash": room.key_hash.hex(), "max_participants": room.max_participants,
        "locked": room.locked, "created": room.created, "closed": room.closed,
        "closed_at": room.closed_at,
        # a list keeps the join order, which the teacher's list shows
        "participants": [_participant(p) for p in room.participants.values()],
        "teacher_addresses": room.teacher_addresses, "broadcast": broadcast,
        "shared_runs": sorted(room.shared_runs), "shared_models": sorted(room.shared_models),
        "shared_datasets": sorted(room.shared_datasets), "language": room.language,
    }, separators=(",", ":"), ensure_ascii=False)


def loads(text: str | bytes, online: dict[str, int] | None = None) -> Room | None:
    """The room, with each participant's open sockets from `online` (by session id); None
    for a document this version does not read."""
    data = json.loads(text)
    if not isinstance(data, dict) or data.get("v") != VERSION:
        return None
    counts = online or {}
    participants = {p["session_id"]: Participant(**p, online=counts.get(p["session_id"], 0))
                    for p in data["participants"]}
    b = data["broadcast"]
    network = None if b["network"] is None else NetworkSpec.model_validate(b["network"])
    return Room(
        code=data["code"], title=data["title"], owner=data["owner"],
        key_hash=bytes.fromhex(data["key_hash"]), max_participants=data["max_participants"],
        locked=data["locked"], created=data["created"], closed=data["closed"],
        closed_at=data["closed_at"], participants=participants,
        teacher_addresses=list(data["teacher_addresses"]),
        broadcast=Broadcast(**{**b, "network": network}),
        shared_runs=set(data["shared_runs"]), shared_models=set(data["shared_models"]),
        # absent from the documents of a replica that predates dataset broadcasts
        shared_datasets=set(data.get("shared_datasets", [])),
        language=data.get("language"))  # absent before rooms had a language
