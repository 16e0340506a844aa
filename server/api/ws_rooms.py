"""/ws/rooms/{code}: a room's state, live, for its teacher and participants.

On connect, and after every change, the reader gets `{"type": "room", "room": RoomView}`
rendered for them (the teacher's view lists the participants). A kicked participant gets
`{"type": "kicked"}` and close 4001 (one who left gets `{"type": "left"}` and 4000);
everyone gets `{"type": "closed"}` and close 4000 when the teacher closes the room. An open
socket counts the participant as online. The client may send `{"type": "ping"}` (answered
`{"type": "pong"}`); anything else gets an error and the socket goes on. A reader that stops
reading is closed with 1013 after ws_send_timeout seconds.
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from fastapi.concurrency import run_in_threadpool

from server.api.deps import ws_identity
from server.api.fanout import Sender, Stalled, dumps
from server.api.frames import error_message, parse_frame, stop_reader
from server.api.handlers import refuse_socket
from server.errors import InvalidInput, PlaygroundError, short
from server.hub import Subscriber
from server.services import Services

router = APIRouter()
CLOSED, KICKED = 4000, 4001


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


@router.websocket("/ws/rooms/{code}")
async def room_socket(websocket: WebSocket, code: str) -> None:
    services: Services = websocket.app.state.services
    identity = ws_identity(websocket)
    await websocket.accept()
    try:
        room, teacher = services.rooms.access(code, identity.session_id,
                                              websocket.headers.get("x-teacher-key"))
    except PlaygroundError as exc:
        await refuse_socket(websocket, exc, {404: 4404, 410: CLOSED}.get(exc.status, 4403))
        return
    rooms, topic = services.rooms, f"room:{room.code}"
    subscriber = services.hub.subscribe(topic)
    me = None if teacher else room.member(identity.session_id)
    if me is not None:
        rooms.online(room, identity.session_id, +1)
    sender = Sender(websocket, services.settings.ws_send_timeout)  # a stalled reader: 1013
    reader = asyncio.create_task(_read(websocket, sender))
    subscriber.offer({"type": "changed"})  # re-checks membership once we listen
    try:
        await sender.send_text(dumps({"type": "room", "room": room.view(identity.session_id,
                                                                        teacher)}))
        while (events := await _next_events(subscriber, reader)) is not None:
            if any(e["type"] == "closed" for e in events):
                await sender.send_text('{"type":"closed"}')
                await websocket.close(code=CLOSED)
                break
            if me is not None and room.member(identity.session_id) is not me:
                # removed (or left) since: a kick published before we subscribed counts too
                kicked = me.kicked
                await sender.send_text(dumps({"type": "kicked" if kicked else "left"}))
                await websocket.close(code=KICKED if kicked else CLOSED)
                break
            await sender.send_text(dumps({"type": "room",
                                          "room": room.view(identity.session_id, teacher)}))
    except WebSocketDisconnect:
        pass
    except Stalled:
        await sender.close_stalled()
    finally:
        stop_reader(reader)
        services.hub.unsubscribe(topic, subscriber)
        if me is not None:
            rooms.online(room, identity.session_id, -1)
