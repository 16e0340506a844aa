"""/ws/runs/{id}: a run's events, live (docs/protocol.md).

On connect: a snapshot of everything so far (late joiners and reconnects see the whole
history), then each event as it happens. Scalar events queue (bounded; a slow client
loses its own oldest, counted in `dropped`); maps and filters are latest-value-wins and
rate-limited per client, so a slow client skips frames and never slows the run.
"""

from __future__ import annotations

import asyncio
import json
import struct
import time
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from server.api.deps import ws_identity
from server.api.ownership import readable_run
from server.errors import Forbidden, InvalidInput, PlaygroundError
from server.hub import MARKER, Subscriber
from server.services import Services
from server.training.runs import BINARY

router = APIRouter()
MAGIC = b"CNR1"


@dataclass
class Options:
    max_fps: float = 2.0
    layers: set[int] | None = None
    last_sent: dict[str, float] = field(default_factory=dict)


def select_blocks(event: dict[str, Any], layers: set[int] | None) -> tuple[dict[str, Any],
                                                                          bytes]:
    """The header (without data) and the bytes of the blocks this client wants."""
    header = {k: v for k, v in event.items() if k != "data"}
    data: bytes = event["data"]
    if layers is None:
        return header, data
    blocks, chunks, offset = [], [], 0
    for block in event["blocks"]:
        if block["index"] in layers:
            chunks.append(data[block["offset"]:block["offset"] + block["length"]])
            blocks.append({**block, "offset": offset})
            offset += block["length"]
    return {**header, "blocks": blocks, "bytes": offset}, b"".join(chunks)


async def send_heavy(websocket: WebSocket, event: dict[str, Any], options: Options) -> None:
    if event["type"] not in BINARY:
        await websocket.send_json(event)
        return
    header, data = select_blocks(event, options.layers)
    await websocket.send_json(header)
    await websocket.send_bytes(MAGIC + struct.pack("<I", event["seq"]) + data)


async def client_messages(websocket: WebSocket, services: Services, run_id: str,
                          options: Options, owner: str) -> None:
    """owner: the viewer's session when it owns the run, else "" (only the owner may
    change the probe)."""
    while True:
        text = await websocket.receive_text()
        try:
            message = json.loads(text)
            kind = message.get("type") if isinstance(message, dict) else None
            if kind == "subscribe":
                fps = float(message.get("max_fps", options.max_fps))
                if not 0.1 <= fps <= 30:
                    raise InvalidInput(f"max_fps {fps:g} is outside 0.1..30", ["max_fps"])
                options.max_fps = fps
                layers = message.get("layers")
                options.layers = None if layers is None else {int(i) for i in layers}
            elif kind == "probe":
                if not owner:
                    raise Forbidden("only the run's owner can change its probe image; everyone "
                                    "watching sees the same one", ["probe"])
                services.runs.probe(run_id, probe_command(message, services, owner))
            else:
                raise InvalidInput(f"unknown message type {kind!r}; send 'subscribe' or "
                                   "'probe'", ["type"])
        except PlaygroundError as exc:
            await websocket.send_json({"type": "error", "status": exc.status,
                                       "detail": exc.detail()})
        except (TypeError, ValueError) as exc:
            await websocket.send_json({"type": "error", "status": 422, "detail": [
                {"loc": [], "msg": f"malformed message ({exc})", "type": "value_error"}]})


def probe_command(message: dict[str, Any], services: Services,
                  run_owner: str) -> dict[str, Any]:
    if "image_id" in message:
        item = services.images.get(str(message["image_id"]), run_owner)
        return {"pixels": item.pixels, "image_id": item.image_id}
    if "index" in message:
        return {"index": int(message["index"])}
    raise InvalidInput("a probe needs 'index' (a validation image) or 'image_id'", ["probe"])


async def stream(websocket: WebSocket, subscriber: Subscriber, options: Options,
                 last_seq: int) -> None:
    loop = asyncio.get_running_loop()
    while True:
        item = await subscriber.queue.get()
        if item["type"] == MARKER:
            kind = item["kind"]
            wait = 1 / options.max_fps - (time.monotonic() - options.last_sent.get(kind, 0))
            if kind in BINARY and wait > 0:  # too soon for this client: later, the newest
                loop.call_later(wait, subscriber.offer, item)
                continue
            event = subscriber.take_heavy(kind)
            if event is not None and event["seq"] > last_seq:
                options.last_sent[kind] = time.monotonic()
                await send_heavy(websocket, event, options)
            continue
        if item["seq"] <= last_seq:
            continue  # already in the snapshot
        await websocket.send_json({**item, "dropped": subscriber.dropped})


@router.websocket("/ws/runs/{run_id}")
async def run_socket(websocket: WebSocket, run_id: str) -> None:
    services: Services = websocket.app.state.services
    identity = ws_identity(websocket)
    await websocket.accept()
    try:
        run = readable_run(services, identity, run_id)  # yours, or shared with you in a room
    except PlaygroundError as exc:
        await websocket.send_json({"type": "error", "status": exc.status,
                                   "detail": exc.detail()})
        await websocket.close(code=4404)
        return
    topic = f"run:{run_id}"
    subscriber = services.hub.subscribe(topic)  # before the snapshot: nothing falls between
    options = Options()
    tasks: list[asyncio.Task[None]] = []
    try:
        snapshot, binary = services.runs.snapshot(run_id, identity.session_id)
        mine = run.owner if run.owner == identity.session_id else ""
        await websocket.send_json(snapshot)
        for event in binary:
            await send_heavy(websocket, event, options)
        tasks = [asyncio.create_task(stream(websocket, subscriber, options, snapshot["seq"])),
                 asyncio.create_task(client_messages(websocket, services, run_id, options,
                                                     mine))]
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            if not isinstance(task.exception(), WebSocketDisconnect | None):
                raise task.exception()  # type: ignore[misc]
    except WebSocketDisconnect:
        pass
    finally:
        for task in tasks:
            task.cancel()
        services.hub.unsubscribe(topic, subscriber)
