"""/ws/rooms/{code}: a room's state, live, for its teacher and participants.

On connect, and after every change, the reader gets `{"type": "room", "room": RoomView}`
rendered for them (the teacher's view lists the participants). A kicked participant gets
`{"type": "kicked"}` and close 4001 (one who left gets `{"type": "left"}` and 4000);
everyone gets `{"type": "closed"}` and close 4000 when the teacher closes the room. An open
socket counts the participant as online. The client may send `{"type": "ping"}` (answered
`{"type": "pong"}`); anything else gets an error and the socket goes on.
Anyone else (not the teacher, never joined) gets the error and close code of an unused
code (404, 4404): the socket does not tell a live room from a free code. A reader that stops
reading is closed with 1013 after ws_send_timeout seconds; so is every socket when Redis
(CNNPG_REDIS_URL) stops answering, after an error message with status 503.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from fastapi.concurrency import run_in_threadpool

from server.api.deps import ws_identity
from server.api.fanout import RESYNC_CODE, RESYNC_REASON, Sender, Stalled, dumps
from server.api.frames import error_message, parse_frame, stop_reader
from server.api.handlers import refuse_socket
from server.classroom.rooms import Participant, Room, Rooms
from server.errors import InvalidInput, PlaygroundError, short
from server.hub import RESYNC, Subscriber
from server.services import Services

router = APIRouter()
CLOSED, KICKED = 4000, 4001
# Close codes for a refused socket: an unused code, a closed room, Redis not answering (try
# again later); anything else (removed, forbidden) 4403.
REFUSALS = {404: 4404, 410: CLOSED, 503: 1013}


async def _read(websocket: WebSocket, sender: Sender) -> None:
    """Read what the client sends (to notice when it goes away): `{"type": "ping"}` is
    answered `{"type": "pong"}`, anything else with an error; the socket goes on."""
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            raise WebSocketDisconnect(message.get("code", 1000))
        try:
            data = await run_in_threadpool(parse_frame, message)
            kind = data.get("type") if isinstance(data, dict) else None
            if kind != "ping":
                raise InvalidInput(f"unknown message type {short(kind)}: this socket only "
                                   "sends the room; the one message it reads is 'ping'",
                                   ["type"])
            await sender.send_text('{"type":"pong"}')
        except Stalled:
            raise
        except Exception as exc:  # every failure is answered; the socket goes on
            await sender.send_text(dumps(error_message(exc)))


async def _next_events(subscriber: Subscriber,
                       reader: asyncio.Task[None]) -> list[dict[str, Any]] | None:
    """The next burst of room events; None once the client has gone (Stalled when its
    reader could not send an answer)."""
    getting = asyncio.create_task(subscriber.queue.get())
    done, _ = await asyncio.wait({getting, reader}, return_when=asyncio.FIRST_COMPLETED)
    if reader in done:
        getting.cancel()
        if isinstance(reader.exception(), Stalled):
            raise Stalled()
        return None
    events = [getting.result()]
    # Changes come in bursts (a class joining): one view answers them all.
    while not subscriber.queue.empty():
        events.append(subscriber.queue.get_nowait())
    return events


def _ending(events: list[dict[str, Any]], now: Room | None, me: Participant | None,
            session_id: str, closed_before: bool) -> tuple[str, int] | None:
    """(the last message, the close code) when these events end the socket, else None:
    the room closed or gone, or this participant's place in it gone since it connected
    (kicked, or left; a kick published before we subscribed counts too)."""
    if now is None or any(e["type"] == "closed" for e in events) or (
            now.closed and not closed_before):
        return '{"type":"closed"}', CLOSED
    if me is None:
        return None
    place = now.participants.get(session_id)
    if place is not None and place.id == me.id and not place.kicked:
        return None
    if place is not None and place.kicked:
        return '{"type":"kicked"}', KICKED
    return '{"type":"left"}', CLOSED


def _online(rooms: Rooms, room: Room, session_id: str, delta: int,
            address: str | None) -> None:
    with contextlib.suppress(PlaygroundError):  # Redis down: docs/classroom.md, "Presence"
        rooms.online(room, session_id, delta, address)


async def _count(rooms: Rooms, room: Room, session_id: str, delta: int,
                 address: str | None = None) -> None:
    """Count the participant's sockets up or down, in a thread (Redis, with CNNPG_REDIS_URL,
    is a blocking client). The job is handed to the thread before the first await, so it
    runs even when this task is being cancelled (a server stopping, a test client leaving):
    a socket's end always counts down what its start counted up."""
    job = asyncio.get_running_loop().run_in_executor(
        None, _online, rooms, room, session_id, delta, address)
    await asyncio.shield(job)


@router.websocket("/ws/rooms/{code}")
async def room_socket(websocket: WebSocket, code: str) -> None:
    services: Services = websocket.app.state.services
    identity = ws_identity(websocket)
    sid, address = identity.session_id, websocket.client.host if websocket.client else None
    await websocket.accept()
    try:
        room, teacher = await run_in_threadpool(
            services.rooms.access, code, sid, websocket.headers.get("x-teacher-key"),
            address=address)
    except PlaygroundError as exc:  # a stranger: the same 404 and 4404 as an unused code
        await refuse_socket(websocket, exc, REFUSALS.get(exc.status, 4403))
        return
    rooms, topic, closed_before = services.rooms, f"room:{room.code}", room.closed
    subscriber = services.hub.subscribe(topic)
    me, counted = None if teacher else room.member(sid), False
    sender = Sender(websocket, services.settings.ws_send_timeout)  # a stalled reader: 1013
    reader = asyncio.create_task(_read(websocket, sender))
    subscriber.offer({"type": "changed"})  # re-checks membership once we listen
    try:
        if me is not None:
            counted = True  # set first: the count goes up even if we are cancelled here
            await _count(rooms, room, sid, +1, address)
        await sender.send_text(dumps({"type": "room", "room": room.view(sid, teacher)}))
        while (events := await _next_events(subscriber, reader)) is not None:
            if any(e["type"] == RESYNC for e in events):  # Redis was lost: read it anew
                await websocket.close(code=RESYNC_CODE, reason=RESYNC_REASON)
                break
            # The room as stored now: another replica may have changed it.
            now = await run_in_threadpool(rooms.get, room.code)
            if (ending := _ending(events, now, me, sid, closed_before)) or now is None:
                await sender.send_text(ending[0] if ending else '{"type":"closed"}')
                await websocket.close(code=ending[1] if ending else CLOSED)
                break
            room = now
            await sender.send_text(dumps({"type": "room", "room": room.view(sid, teacher)}))
    except WebSocketDisconnect:
        pass
    except Stalled:
        services.metrics.viewer_dropped("rooms")
        await sender.close_stalled()
    except PlaygroundError as exc:  # Redis stopped answering: the page tries again later
        with contextlib.suppress(Exception):
            await refuse_socket(websocket, exc, 1013)
    finally:
        stop_reader(reader)
        services.hub.unsubscribe(topic, subscriber)
        if counted:
            await _count(rooms, room, sid, -1)
