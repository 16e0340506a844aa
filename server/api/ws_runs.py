"""/ws/runs/{id}: a run's events, live (docs/protocol.md).

On connect: a snapshot of everything so far (late joiners and reconnects see the whole
history), then each event as it happens. Scalar events queue (bounded; a slow client
loses its own oldest, counted in `dropped`); maps and filters are latest-value-wins and
rate-limited per client, so a slow client skips frames and never slows the run. Each
event is encoded once for all its viewers, and a viewer whose sends stall for
ws_send_timeout seconds is closed (1013) and dropped (server/api/fanout.py).

A run pruned after CNNPG_RUN_RETENTION_HOURS answers `{"type": "pruned", "run": summary}`
and a normal close (1000), on connect or, for a viewer still watching, when it is pruned.
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from fastapi.concurrency import run_in_threadpool

from server.api.deps import ws_identity
from server.api.fanout import (
    RESYNC_CODE,
    RESYNC_REASON,
    Options,
    Resync,
    Sender,
    Stalled,
    dumps,
    send_heavy,
    stream,
)
from server.api.frames import error_message, parse_frame
from server.api.handlers import refuse_socket
from server.api.routes.runs import pruned_run
from server.classroom.access import readable_run
from server.classroom.sessions import Identity
from server.errors import Forbidden, InvalidInput, PlaygroundError, Unavailable, short
from server.services import Services

router = APIRouter()


async def client_messages(websocket: WebSocket, sender: Sender, services: Services,
                          run_id: str, options: Options, owner: str) -> None:
    """owner: the viewer's session when it owns the run, else "" (only the owner may
    change the probe). Every message is answered on failure; the socket goes on."""
    while True:
        received = await websocket.receive()
        if received["type"] == "websocket.disconnect":
            raise WebSocketDisconnect(received.get("code", 1000))
        try:
            message = await run_in_threadpool(parse_frame, received)
            if isinstance(message, dict) and message.get("type") == "ping":
                await sender.send_text('{"type":"pong"}')
                continue
            await run_in_threadpool(_apply, message, services, run_id, options, owner)
        except Stalled:
            raise
        except Exception as exc:  # every failure is answered; the socket goes on
            await sender.send_text(dumps(error_message(exc)))


def _apply(message: Any, services: Services, run_id: str, options: Options,
           owner: str) -> None:
    kind = message.get("type") if isinstance(message, dict) else None
    if kind == "subscribe":
        fps = float(message.get("max_fps", options.max_fps))
        if not 0.1 <= fps <= 30:
            raise InvalidInput(f"max_fps {fps:g} is outside 0.1..30", ["max_fps"])
        layers = message.get("layers")
        if layers is not None and not (isinstance(layers, list) and len(layers) <= 1000):
            raise InvalidInput("layers is a list of layer indexes (at most 1000)", ["layers"])
        options.max_fps = fps
        options.layers = None if layers is None else {int(i) for i in layers}
    elif kind == "probe":
        if not owner:
            raise Forbidden("only the run's owner can change its probe image; everyone "
                            "watching sees the same one", ["probe"])
        services.runs.probe(run_id, probe_command(message, services, owner))
    else:
        raise InvalidInput(f"unknown message type {short(kind)}; send 'subscribe', "
                           "'probe' or 'ping'", ["type"])


def probe_command(message: dict[str, Any], services: Services,
                  run_owner: str) -> dict[str, Any]:
    if "image_id" in message:
        item = services.images.get(str(message["image_id"]), run_owner)
        return {"pixels": item.pixels, "image_id": item.image_id}
    if "index" in message:
        return {"index": int(message["index"])}
    raise InvalidInput("a probe needs 'index' (a validation image) or 'image_id'", ["probe"])


async def watch_access(websocket: WebSocket, services: Services, identity: Identity,
                       run_id: str, every: float = 1.0) -> None:
    """A viewer who watches through a room (not the owner) loses the stream as soon as that
    room closes or removes them: the same check as connecting, every `every` seconds. A run
    pruned meanwhile sends its summary and closes normally."""
    while True:
        await asyncio.sleep(every)
        try:
            await run_in_threadpool(readable_run, services, identity, run_id)
        except Unavailable:  # Redis is away: the hub tells the viewer to resync
            continue
        except PlaygroundError as exc:  # no longer yours to watch: 403, not "no such run"
            if not await send_pruned(websocket, services, identity, run_id):
                await refuse_socket(websocket, Forbidden(exc.msg, exc.loc), 4403)
            return


async def send_pruned(websocket: WebSocket, services: Services, identity: Identity,
                      run_id: str) -> bool:
    """The summary of a pruned run the viewer may read, then close 1000; False if none."""
    summary = pruned_run(services, identity, run_id)
    if summary is None:
        return False
    await websocket.send_text(await run_in_threadpool(dumps, {"type": "pruned",
                                                              "run": summary}))
    await websocket.close(code=1000, reason="the run was pruned; its summary was sent")
    return True


@router.websocket("/ws/runs/{run_id}")
async def run_socket(websocket: WebSocket, run_id: str) -> None:
    services: Services = websocket.app.state.services
    identity = ws_identity(websocket)
    await websocket.accept()
    try:  # yours, or shared with you in a room (on another replica: read from Redis)
        run = await run_in_threadpool(readable_run, services, identity, run_id)
    except Unavailable as exc:  # try again (the page does, after 1013)
        await refuse_socket(websocket, exc, 1013)
        return
    except PlaygroundError as exc:
        if not await send_pruned(websocket, services, identity, run_id):
            await refuse_socket(websocket, exc, 4404)
        return
    topic = f"run:{run_id}"
    subscriber = services.hub.subscribe(topic)  # before the snapshot: nothing falls between
    options = Options()
    sender = Sender(websocket, services.settings.ws_send_timeout)  # a stalled viewer: 1013
    tasks: list[asyncio.Task[None]] = []
    try:
        snapshot, binary = await run_in_threadpool(services.runs.snapshot, run_id,
                                                   identity.session_id)
        mine = run.owner if run.owner == identity.session_id else ""
        await sender.send_text(await run_in_threadpool(dumps, snapshot))  # up to 4000 steps
        for event in binary:
            await send_heavy(sender, event, options)
        tasks = [asyncio.create_task(stream(sender, subscriber, options, snapshot["seq"])),
                 asyncio.create_task(client_messages(websocket, sender, services, run_id,
                                                     options, mine)),
                 asyncio.create_task(watch_access(websocket, services, identity, run_id))]
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            if not isinstance(task.exception(), WebSocketDisconnect | None):
                raise task.exception()  # type: ignore[misc]
    except WebSocketDisconnect:
        pass
    except Stalled:
        services.metrics.viewer_dropped("runs")
        await sender.close_stalled()
    except Resync:
        await websocket.close(code=RESYNC_CODE, reason=RESYNC_REASON)
    finally:
        for task in tasks:
            task.cancel()
        services.hub.unsubscribe(topic, subscriber)
