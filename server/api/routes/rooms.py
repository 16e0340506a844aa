"""Classroom rooms over HTTP: create, join by code, broadcast, kick, close, fork.

The contract (bodies, answers, who may do what) is in docs/classroom.md."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from server.api.deps import IdentityDep, ServicesDep
from server.classroom.access import check_model_readable, run_missing
from server.classroom.forking import fork
from server.classroom.rooms import NAME_LIMIT, TITLE_LIMIT, Broadcast, Room
from server.classroom.sessions import Identity
from server.errors import Forbidden, InvalidInput, TooLarge
from server.nn.parse import parse_network
from server.services import Services
from server.text import clean, find_lone_surrogate

router = APIRouter(tags=["rooms"])
TeacherKey = Annotated[str | None, Header(alias="X-Teacher-Key", max_length=200,
                                          description="the key shown once at creation")]
MAX_KERNEL_LAB_BYTES = 64 * 1024


class NewRoom(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: Annotated[str, clean(TITLE_LIMIT)] = Field(
        default="", description=f"shown to students, at most {TITLE_LIMIT} characters")


class JoinBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Annotated[str, clean(NAME_LIMIT)] = Field(
        default="", description=f"your name for the teacher, at most {NAME_LIMIT} characters")


class BroadcastBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["none", "run", "network", "kernel_lab", "model"]
    run_id: str | None = Field(default=None, max_length=80)
    # a spec or {"preset": id}: parsed into a NetworkSpec by the route (nn.parse words the errors)
    network: dict[str, Any] | None = None
    kernel_lab: dict[str, Any] | None = None
    model_id: str | None = Field(default=None, max_length=80)
    follow: bool = Field(default=True, description="students' pages mirror the teacher's")


class KickBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    participant_id: str = Field(max_length=80)


class ForkBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    what: Literal["network", "model", "checkpoint"]


def _view(room: Room, identity: Identity, teacher: bool) -> dict[str, Any]:
    return room.view(identity.session_id, teacher)


@router.post("/api/rooms", status_code=201, summary="Create a room; you are its teacher")
def create_room(body: NewRoom, request: Request, services: ServicesDep,
                identity: IdentityDep) -> dict[str, Any]:
    """Returns the 6-character join code, the join URL (on CNNPG_PUBLIC_URL when set, else
    the address this request came to), and the teacher key: shown this once, it lets a
    script or another device act as the teacher over REST (header X-Teacher-Key). An empty
    title becomes "Classroom"."""
    title = body.title or "Classroom"
    room, key = services.rooms.create(identity.session_id, title)
    base = services.settings.public_url or str(request.base_url)
    join_url = base.rstrip("/") + f"/join/{room.code}"
    return {"code": room.code, "join_url": join_url, "teacher_key": key,
            "room": _view(room, identity, True)}


@router.get("/api/rooms", summary="Open rooms you teach and rooms you joined")
def my_rooms(services: ServicesDep, identity: IdentityDep) -> dict[str, Any]:
    teaching, joined = services.rooms.mine(identity.session_id)
    return {"teaching": [_view(r, identity, True) for r in teaching],
            "joined": [_view(r, identity, False) for r in joined]}


@router.get("/api/rooms/{code}", summary="A room: what it broadcasts, who is in it")
def get_room(code: str, services: ServicesDep, identity: IdentityDep,
             x_teacher_key: TeacherKey = None) -> dict[str, Any]:
    """The teacher sees the participants; a student sees the broadcast. 404 for a wrong
    code, 403 when you have not joined (or were removed)."""
    room, teacher = services.rooms.access(code, identity.session_id, x_teacher_key)
    return _view(room, identity, teacher)


@router.post("/api/rooms/{code}/join", summary="Join a room with its code")
def join_room(code: str, body: JoinBody, services: ServicesDep,
              identity: IdentityDep) -> dict[str, Any]:
    """Case, spaces and dashes in the code do not matter. 404: no such room; 410: closed;
    403: the teacher removed you. Joining again just updates your name."""
    room, teacher = services.rooms.join(code, identity.session_id, body.name)
    return _view(room, identity, teacher)


@router.post("/api/rooms/{code}/leave", status_code=204, response_class=Response,
             summary="Leave a room")
def leave_room(code: str, services: ServicesDep, identity: IdentityDep) -> Response:
    room, _ = services.rooms.access(code, identity.session_id)
    services.rooms.leave(room, identity.session_id)
    return Response(status_code=204)


def _check_kernel_lab(state: dict[str, Any]) -> None:
    """Stored and sent to every student: valid Unicode (server.text) and small."""
    bad = find_lone_surrogate(state)
    if bad is not None:
        raise InvalidInput("kernel_lab holds a lone surrogate (half of a UTF-16 pair, not a "
                           "character); remove it", ["kernel_lab", *bad])
    size = len(json.dumps(state, separators=(",", ":"), ensure_ascii=False).encode())
    if size > MAX_KERNEL_LAB_BYTES:
        raise TooLarge(f"kernel_lab is {size} bytes of JSON; at most {MAX_KERNEL_LAB_BYTES}: "
                       "send fewer or smaller custom kernels", ["kernel_lab"])


def _broadcast(services: Services, identity: Identity, room: Room,
               body: BroadcastBody) -> Broadcast:
    def need(field: str) -> None:
        raise InvalidInput(f"kind {body.kind!r} needs {field!r}", [field])

    if body.kind == "run":
        if not body.run_id:
            need("run_id")
        assert body.run_id is not None
        run = services.runs.get(body.run_id)
        if run.owner not in (room.owner, identity.session_id):
            raise run_missing(body.run_id)
        if run.status == "queued":  # the class watches it: it starts before students' runs
            services.runs.prioritize(run.id)
        return Broadcast("run", run_id=run.id, follow=body.follow,
                         title=f"{run.network_name} on {run.request.dataset}")
    if body.kind == "network":
        if body.network is None:
            need("network")
        spec = parse_network(body.network, services.presets)
        return Broadcast("network", network=spec, follow=body.follow,
                         title=f"a network of {len(spec.layers)} layers")
    if body.kind == "kernel_lab":
        if body.kernel_lab is None:
            need("kernel_lab")
        assert body.kernel_lab is not None
        _check_kernel_lab(body.kernel_lab)
        return Broadcast("kernel_lab", kernel_lab=body.kernel_lab, follow=body.follow,
                         title="the Kernel Lab")
    if body.kind == "model":
        if not body.model_id:
            need("model_id")
        assert body.model_id is not None
        manifest = services.models.manifest(body.model_id)
        check_model_readable(services, identity, body.model_id, manifest)
        if manifest is not None and not manifest.is_public and manifest.owner != room.owner:
            raise Forbidden(f"model {body.model_id!r} is not yours to show: broadcast a public "
                            "model or one of your own (fork it first)", ["model_id"])
        return Broadcast("model", model_id=body.model_id, follow=body.follow,
                         title=(manifest.name if manifest else None) or body.model_id)
    return Broadcast("none", follow=body.follow)


@router.put("/api/rooms/{code}/broadcast", summary="Choose what the room shows (teacher)")
def set_broadcast(code: str, body: BroadcastBody, services: ServicesDep,
                  identity: IdentityDep, x_teacher_key: TeacherKey = None) -> dict[str, Any]:
    """One of: your run (students watch it live and can fork it; they cannot control it), a
    network spec, the Kernel Lab's state (with `follow`, students' Kernel Lab pages mirror
    yours), a model, or none. A run or model broadcast here becomes readable by the room's
    participants."""
    room, _ = services.rooms.access(code, identity.session_id, x_teacher_key, teacher_only=True)
    services.rooms.set_broadcast(room, _broadcast(services, identity, room, body))
    return _view(room, identity, True)


@router.post("/api/rooms/{code}/kick", summary="Remove a participant (teacher)")
def kick(code: str, body: KickBody, services: ServicesDep, identity: IdentityDep,
         x_teacher_key: TeacherKey = None) -> dict[str, Any]:
    """The participant's room page closes and they cannot join this room again."""
    room, _ = services.rooms.access(code, identity.session_id, x_teacher_key, teacher_only=True)
    services.rooms.kick(room, body.participant_id)
    return _view(room, identity, True)


@router.post("/api/rooms/{code}/close", summary="Close the room for everyone (teacher)")
def close_room(code: str, services: ServicesDep, identity: IdentityDep,
               x_teacher_key: TeacherKey = None) -> dict[str, Any]:
    """Students' pages say the room has closed; runs and models stay with their owners."""
    room, _ = services.rooms.access(code, identity.session_id, x_teacher_key, teacher_only=True)
    services.rooms.close(room)
    return _view(room, identity, True)


@router.post("/api/rooms/{code}/fork", status_code=201,
             summary="Copy what the room shows into your own session")
async def fork_room(code: str, body: ForkBody, services: ServicesDep, identity: IdentityDep,
                    x_teacher_key: TeacherKey = None) -> dict[str, Any]:
    """`network`: the spec (open it in the Builder). `model`: a private copy of the shown
    model or of the run's trained model. `checkpoint`: the live run's weights now, saved as
    your private model (up to a minute while the worker saves). Models count against your
    limit (429)."""
    room, _ = services.rooms.access(code, identity.session_id, x_teacher_key)
    return await run_in_threadpool(fork, services, identity, room, body.what)
