"""/ws/rooms/{code}: a room's state, live, for its teacher and participants.

On connect, and after every change, the reader gets `{"type": "room", "room": RoomView}`
rendered for them (the teacher's view lists the participants). A kicked participant gets
`{"type": "kicked"}` and close 4001 (one who left gets `{"type": "left"}` and 4000);
everyone gets `{"type": "closed"}` and close 4000 when the teacher closes the room. An open
socket counts the participant as online.
"""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from server.api.deps import ws_identity
from server.api.handlers import refuse_socket
from server.errors import PlaygroundError
from server.services import Services

router = APIRouter()
CLOSED, KICKED = 4000, 4001


async def _drain(websocket: WebSocket) -> None:
    """Read (and ignore) what the client sends, to notice when it goes away."""
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            raise WebSocketDisconnect(message.get("code", 1000))


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
    reader = asyncio.create_task(_drain(websocket))
    subscriber.offer({"type": "changed"})  # re-checks membership once we listen
    try:
        await websocket.send_json({"type": "room", "room": room.view(identity.session_id,
                                                                     teacher)})
        while True:
            getting = asyncio.create_task(subscriber.queue.get())
            done, _ = await asyncio.wait({getting, reader}, return_when=asyncio.FIRST_COMPLETED)
            if reader in done:
                getting.cancel()
                break
            events = [getting.result()]
            # Changes come in bursts (a class joining): one view answers them all.
            while not subscriber.queue.empty():
                events.append(subscriber.queue.get_nowait())
            if any(e["type"] == "closed" for e in events):
                await websocket.send_json({"type": "closed"})
                await websocket.close(code=CLOSED)
                break
            if me is not None and room.member(identity.session_id) is not me:
                # removed (or left) since: a kick published before we subscribed counts too
                kicked = me.kicked
                await websocket.send_json({"type": "kicked" if kicked else "left"})
                await websocket.close(code=KICKED if kicked else CLOSED)
                break
            await websocket.send_json({"type": "room", "room": room.view(identity.session_id,
                                                                         teacher)})
    except WebSocketDisconnect:
        pass
    finally:
        reader.cancel()
        services.hub.unsubscribe(topic, subscriber)
        if me is not None:
            rooms.online(room, identity.session_id, -1)
