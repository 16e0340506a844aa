"""Compare runs: up to 6 side by side, and a room's runs for its teacher (docs/api.md).

Mounted before the runs routes, so that /api/runs/compare is not read as a run id."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from server.api.deps import IdentityDep, ServicesDep, TeacherKey
from server.classroom.class_runs import PER_PERSON, TOTAL, class_runs, compared, teacher_room
from server.training.compare import MAX_RUNS, MIN_RUNS, comparison, parse_ids

router = APIRouter(tags=["runs"])


@router.get("/api/runs/compare", summary=f"{MIN_RUNS} to {MAX_RUNS} runs side by side")
def compare_runs(services: ServicesDep, identity: IdentityDep,
                 ids: str = Query(default="", description="run ids separated by commas"),
                 room: str | None = Query(default=None, max_length=20, description=(
                     "a room you teach: its class's runs may be compared too")),
                 x_teacher_key: TeacherKey = None) -> dict[str, Any]:
    """Each run's settings (the training config and its network, one level of keys), its
    curves (steps: loss and accuracy; epochs: validation loss and accuracy, mAP@0.5) and
    its final metrics; `differences` lists the settings that differ. Your runs, runs shown
    in a room you joined, and with `room` (its teacher only) the class's runs. Live and
    pruned runs alike; a run you may not see is 404, as GET /api/runs/{id} answers it."""
    wanted = parse_ids(ids)
    taught = teacher_room(services, identity, room, x_teacher_key) if room else None
    entries = [compared(services, identity, run_id, taught) for run_id in wanted]
    return {**comparison(entries), "room": taught.code if taught else None}


@router.get("/api/rooms/{code}/runs", summary="The class's runs, for comparing (teacher)")
def room_runs(code: str, services: ServicesDep, identity: IdentityDep,
              x_teacher_key: TeacherKey = None) -> dict[str, Any]:
    """Each participant's runs started since they joined (the newest few each), and the
    runs the room broadcast: `who` ran it, its settings (`training.learning_rate`...) and
    final metrics (`final.accuracy_of_run`), without curves; then compare some with
    GET /api/runs/compare?ids=...&room=CODE."""
    taught = teacher_room(services, identity, code, x_teacher_key)
    entries, left_out = class_runs(services, taught, identity.session_id)
    return {"code": taught.code, **comparison(entries), "left_out": left_out,
            "per_person": PER_PERSON, "limit": TOTAL}
