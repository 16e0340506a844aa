"""Classroom rooms over HTTP: create, join by code, broadcast, kick, close, fork.

The contract (bodies, answers, who may do what) is in docs/classroom.md."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from server.api.deps import IdentityDep, ServicesDep, TeacherKey
from server.classroom.access import check_model_readable, run_missing
from server.classroom.broadcasting import dataset_broadcast
from server.classroom.forking import fork
from server.classroom.room_records import check_language
from server.classroom.rooms import NAME_LIMIT, TITLE_LIMIT, Broadcast, Room
from server.classroom.sessions import Identity
from server.errors import Forbidden, InvalidInput, TooLarge
from server.i18n.languages import LANGUAGES
from server.nn.parse import parse_network
from server.services import Services
from server.text import clean, find_lone_surrogate
from server.text.marks import translatable

router = APIRouter(tags=["rooms"])
MAX_KERNEL_LAB_BYTES = 64 * 1024


def client_address(request: Request) -> str | None:
    """The address a kick may block (behind a trusted proxy, the one it forwarded)."""
    return request.client.host if request.client else None


Address = Annotated[str | None, Depends(client_address)]
MaxParticipants = Annotated[int | None, Field(
    ge=1, le=10_000, description="the most participants who may join (the teacher does "
    "not count); at most CNNPG_MAX_ROOM_PARTICIPANTS; default 60, or that limit if lower")]


class NewRoom(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: Annotated[str, clean(TITLE_LIMIT)] = Field(
        default="", description=f"shown to students, at most {TITLE_LIMIT} characters")
    max_participants: MaxParticipants = None
    locked: bool = Field(default=False, description="no one can join until unlocked")
    language: str | None = Field(default=None, max_length=35, description=(
        "the teacher's page language, one of the tags GET /api/i18n lists: students' room "
        "pages suggest it (never impose it)"), json_schema_extra={"enum": [*LANGUAGES, None]})


class RoomSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    max_participants: MaxParticipants = None
    locked: bool | None = Field(default=None, description="true: no new joins; those in "
                                "the room stay")


class JoinBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Annotated[str, clean(NAME_LIMIT)] = Field(
        default="", description=f"your name for the teacher, at most {NAME_LIMIT} characters")


class BroadcastBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["none", "run", "network", "kernel_lab", "model", "dataset"]
    run_id: str | None = Field(default=None, max_length=80)
    # a spec or {"preset": id}: parsed into a NetworkSpec by the route (nn.parse words the errors)
    network: dict[str, Any] | None = None
    kernel_lab: dict[str, Any] | None = None
    model_id: str | None = Field(default=None, max_length=80)
    dataset_id: str | None = Field(default=None, max_length=80,
                                   description="kind dataset: one of your datasets")
    follow: bool = Field(default=True, description="students' pages mirror the teacher's")


class KickBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    participant_id: str = Field(max_length=80)
    block_address: bool | None = Field(default=None, description=(
        "also refuse new sessions from the network address the participant used; default: "
        "only when no one else in the room (participants present, or the teacher) uses it"))


class AllowBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    participant_id: str = Field(max_length=80)


class ForkBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    what: Literal["network", "model", "checkpoint", "dataset"]


def _view(room: Room, identity: Identity, teacher: bool) -> dict[str, Any]:
    return room.view(identity.session_id, teacher)


@router.post("/api/rooms", status_code=201, summary="Create a room; you are its teacher")
def create_room(body: NewRoom, request: Request, services: ServicesDep,
                identity: IdentityDep, address: Address) -> dict[str, Any]:
    """Returns the 6-character join code, the join URL (on CNNPG_PUBLIC_URL when set, else
    the address this request came to), and the teacher key: shown this once, it lets a
    script or another device act as the teacher over REST (header X-Teacher-Key). An empty
    title becomes "Classroom". `language` (your page's, e.g. "pt-BR") is suggested to the
    room's students on their room page, never imposed."""
    title = body.title or translatable("Classroom")  # pages show it in their language
    language = check_language(body.language)
    room, key = services.rooms.create(identity.session_id, title, body.max_participants,
                                      body.locked, address, language)
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
def get_room(code: str, services: ServicesDep, identity: IdentityDep, address: Address,
             x_teacher_key: TeacherKey = None) -> dict[str, Any]:
    """The teacher sees the participants; a student sees the broadcast. 404 for a wrong
    code and for a room you have not joined (the same answer), 403 when you were removed."""
    room, teacher = services.rooms.access(code, identity.session_id, x_teacher_key,
                                          address=address)
    return _view(room, identity, teacher)


@router.post("/api/rooms/{code}/join", summary="Join a room with its code")
def join_room(code: str, body: JoinBody, services: ServicesDep, identity: IdentityDep,
              address: Address) -> dict[str, Any]:
    """Case, spaces and dashes in the code do not matter. 404: no such open room (a closed
    one you never joined is answered alike); 410: a room you joined is closed; 403: the
    teacher removed you, or blocked your network address; 409: the room is locked or full.
    Joining again just updates your name."""
    room, teacher = services.rooms.join(code, identity.session_id, body.name, address)
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
                           "character); remove it", ["kernel_lab", *bad],
                           code="lone_surrogate_in_kernel_lab")
    size = len(json.dumps(state, separators=(",", ":"), ensure_ascii=False).encode())
    if size > MAX_KERNEL_LAB_BYTES:
        raise TooLarge(f"kernel_lab is {size} bytes of JSON; at most {MAX_KERNEL_LAB_BYTES}: "
                       "send fewer or smaller custom kernels", ["kernel_lab"],
                       code="kernel_lab_too_large",
                       params={"size": size, "limit": MAX_KERNEL_LAB_BYTES})


def _broadcast(services: Services, identity: Identity, room: Room,
               body: BroadcastBody) -> Broadcast:
    def need(field: str) -> None:
        raise InvalidInput(f"kind {body.kind!r} needs {field!r}", [field],
                           code="broadcast_needs_field", params={"kind": body.kind,
                                                                 "field": field})

    if body.kind == "run":
        if not body.run_id:
            need("run_id")
        assert body.run_id is not None
        run = services.runs.get(body.run_id)
        if run.owner not in (room.owner, identity.session_id):
            raise run_missing(body.run_id)
        if run.status == "queued":  # the class watches it: it starts before students' runs
            services.runs.prioritize(run.id)
        parts = {"network": run.network_name, "dataset": run.request.dataset}
        return Broadcast("run", run_id=run.id, follow=body.follow, title_parts=parts,
                         title="{network} on {dataset}".format(**parts))
    if body.kind == "network":
        if body.network is None:
            need("network")
        spec = parse_network(body.network, services.presets)
        return Broadcast("network", network=spec, follow=body.follow, title_parts={
            "layers": len(spec.layers)}, title=f"a network of {len(spec.layers)} layers")
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
                            "model or one of your own (fork it first)", ["model_id"],
                            code="model_not_yours_to_show", params={"model_id": body.model_id})
        return Broadcast("model", model_id=body.model_id, follow=body.follow,
                         title=(manifest.name if manifest else None) or body.model_id)
    if body.kind == "dataset":
        if not body.dataset_id:
            need("dataset_id")
        assert body.dataset_id is not None
        return dataset_broadcast(services, identity, room, body.dataset_id, body.follow)
    return Broadcast("none", follow=body.follow)


@router.put("/api/rooms/{code}/broadcast", summary="Choose what the room shows (teacher)")
def set_broadcast(code: str, body: BroadcastBody, services: ServicesDep,
                  identity: IdentityDep, x_teacher_key: TeacherKey = None) -> dict[str, Any]:
    """One of: your run (students watch it live and can fork it; they cannot control it), a
    network spec, the Kernel Lab's state (with `follow`, students' Kernel Lab pages mirror
    yours), a model, one of your datasets, or none. A run, model or dataset broadcast here
    becomes readable by the room's participants."""
    room, _ = services.rooms.access(code, identity.session_id, x_teacher_key, teacher_only=True)
    room = services.rooms.set_broadcast(room, _broadcast(services, identity, room, body))
    return _view(room, identity, True)


@router.post("/api/rooms/{code}/kick", summary="Remove a participant (teacher)")
def kick(code: str, body: KickBody, services: ServicesDep, identity: IdentityDep,
         address: Address, x_teacher_key: TeacherKey = None) -> dict[str, Any]:
    """The participant's room page closes and their session cannot join this room again;
    with `block_address` (by default: when no one else in the room uses that address), new
    sessions from their network address cannot either. The room's `banned` list shows them
    until POST /api/rooms/{code}/unban."""
    room, _ = services.rooms.access(code, identity.session_id, x_teacher_key, teacher_only=True,
                                    address=address)
    room = services.rooms.kick(room, body.participant_id, body.block_address)
    return _view(room, identity, True)


@router.post("/api/rooms/{code}/unban", summary="Allow a removed participant back (teacher)")
def unban(code: str, body: AllowBody, services: ServicesDep, identity: IdentityDep,
          x_teacher_key: TeacherKey = None) -> dict[str, Any]:
    """Lifts a kick: that session, and new sessions from the address it blocked, may join
    again (the participant joins afresh)."""
    room, _ = services.rooms.access(code, identity.session_id, x_teacher_key, teacher_only=True)
    room = services.rooms.allow_back(room, body.participant_id)
    return _view(room, identity, True)


@router.patch("/api/rooms/{code}", summary="Set who may join: the cap and the lock (teacher)")
def configure_room(code: str, body: RoomSettings, services: ServicesDep,
                   identity: IdentityDep, x_teacher_key: TeacherKey = None) -> dict[str, Any]:
    """`max_participants`: 1 to CNNPG_MAX_ROOM_PARTICIPANTS (lowering it below those present
    removes no one; it stops new joins). `locked`: no new joins while true. Joins refused by
    either answer 409 with the fix."""
    room, _ = services.rooms.access(code, identity.session_id, x_teacher_key, teacher_only=True)
    room = services.rooms.configure(room, body.max_participants, body.locked)
    return _view(room, identity, True)


@router.post("/api/rooms/{code}/close", summary="Close the room for everyone (teacher)")
def close_room(code: str, services: ServicesDep, identity: IdentityDep,
               x_teacher_key: TeacherKey = None) -> dict[str, Any]:
    """Students' pages say the room has closed; runs and models stay with their owners."""
    room, _ = services.rooms.access(code, identity.session_id, x_teacher_key, teacher_only=True)
    room = services.rooms.close(room)
    return _view(room, identity, True)


@router.post("/api/rooms/{code}/fork", status_code=201,
             summary="Copy what the room shows into your own session")
async def fork_room(code: str, body: ForkBody, services: ServicesDep, identity: IdentityDep,
                    x_teacher_key: TeacherKey = None) -> dict[str, Any]:
    """`network`: the spec (open it in the Builder). `model`: a private copy of the shown
    model or of the run's trained model. `checkpoint`: the live run's weights now, saved as
    your private model (up to a minute while the worker saves). `dataset`: a private copy of
    the shown dataset, to add your pictures to and train on. Models and datasets count
    against your limits (429)."""
    room, _ = await run_in_threadpool(services.rooms.access, code, identity.session_id,
                                      x_teacher_key)  # Redis, with CNNPG_REDIS_URL: blocking
    return await run_in_threadpool(fork, services, identity, room, body.what)
