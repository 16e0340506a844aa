"""Which runs a comparison may show, and a room's runs for its teacher.

Anyone may compare their own runs and the runs broadcast in a room they joined (the runs
GET /api/runs/{id} answers them). A room's teacher may also compare the class's runs: each
participant's runs started since they joined the room (not those from before), live or
pruned, while the room is open and the participant in it, and the runs the room broadcast.
Any other run is not found (404), exactly as GET /api/runs/{id} answers it."""

from __future__ import annotations

from typing import Any

from server.classroom.access import run_missing
from server.classroom.rooms import Room
from server.classroom.sessions import Identity
from server.errors import Gone, NotFound
from server.services import Services
from server.training.compare import entry
from server.training.runs import Run
from server.training.summaries import summarize

PER_PERSON, TOTAL = 10, 300  # a room's listing: newest runs per participant, and in all
TEACHER = {"name": None, "participant_id": None, "teacher": True}


def teacher_room(services: Services, identity: Identity, code: str, key: str | None) -> Room:
    """The open room that this session (or the teacher key) teaches: 404 for a stranger,
    403 for a participant, 410 once closed."""
    room, _ = services.rooms.access(code, identity.session_id, key, teacher_only=True)
    if room.closed:
        raise Gone(f"room {room.code} is closed, and with it the view of its class's runs; "
                   "open a new room, or compare your own runs without room=", ["code"],
                   code="room_closed_class_runs", params={"code": room.code})
    return room


def _light(run: Run) -> dict[str, Any]:
    """A live run summarized without its curves (a room lists many)."""
    return summarize(run, {"run": run.public(), "steps": [], "epochs": run.epochs[-1:]})


def summary_of(services: Services, run_id: str, light: bool = False) -> dict[str, Any] | None:
    """A run's summary, pruned or live (from its snapshot); None when there is no such run."""
    try:
        run = services.runs.get(run_id)
        if light:
            return {**_light(run), "pruned": False}
        snapshot, _ = services.runs.snapshot(run_id)
    except NotFound:
        return services.summaries.get(run_id)
    return {**summarize(run, snapshot), "pruned": False}


def who(room: Room, summary: dict[str, Any], viewer: str) -> dict[str, Any] | None:
    """Whose run it is in the room, when it is one of the class's runs or the teacher's own
    (asked by the teacher's session); else None."""
    owner = summary.get("owner")
    if summary["id"] in room.shared_runs or owner == room.owner == viewer:
        return TEACHER
    member = room.member(str(owner))
    if member is None or float(summary.get("created") or 0) < member.joined:
        return None
    return {"name": member.name, "participant_id": member.id, "teacher": False}


def compared(services: Services, identity: Identity, run_id: str,
             room: Room | None) -> dict[str, Any]:
    """One run of GET /api/runs/compare, or the 404 of GET /api/runs/{id}."""
    summary = summary_of(services, run_id)
    if summary is None:
        raise run_missing(run_id)
    sid = identity.session_id
    whose = who(room, summary, sid) if room is not None else None
    if not (summary.get("owner") == sid or whose is not None
            or services.rooms.shares(sid, run_id=run_id)):
        raise run_missing(run_id)
    return entry(summary, sid, whose)


def _owned(services: Services, session_id: str) -> list[dict[str, Any]]:
    live = [{**_light(run), "pruned": False} for run in services.runs.list(session_id)]
    return live + services.summaries.owned_by(session_id)


def class_runs(services: Services, room: Room, viewer: str) -> tuple[list[dict[str, Any]], int]:
    """The class's runs, newest first, without curves: at most PER_PERSON a participant and
    TOTAL in all; and how many were left out."""
    found: list[tuple[dict[str, Any], dict[str, Any]]] = []
    left_out = 0
    for participant in room.present():
        mine = [s for s in _owned(services, participant.session_id)
                if float(s.get("created") or 0) >= participant.joined]
        mine.sort(key=lambda s: float(s.get("created") or 0), reverse=True)
        left_out += max(0, len(mine) - PER_PERSON)
        found += [(s, {"name": participant.name, "participant_id": participant.id,
                       "teacher": False}) for s in mine[:PER_PERSON]]
    for run_id in sorted(room.shared_runs):
        summary = summary_of(services, run_id, light=True)
        if summary is not None:
            found.append((summary, TEACHER))
    found.sort(key=lambda pair: float(pair[0].get("created") or 0), reverse=True)
    left_out += max(0, len(found) - TOTAL)
    return [entry(s, viewer, whose, with_curves=False) for s, whose in found[:TOTAL]], left_out
