"""/ws/kernels: live kernel editing. The last edit wins.

Client -> server (text): {"type": "apply", "id": n, "source": {...}, "spec": {...},
                          "preview_max_side": 512 | null}
Server -> client: a text frame {"type": "result", "id": n, "width", "height", "stats", ...}
followed by one binary frame: b"KLR1" + uint32 id, width, height (little-endian) + RGBA bytes.
Errors come as {"type": "error", "id": n, "status": 422, "detail": [...]}; the socket stays open
(any message: binary, not JSON, too deep, huge numbers; server/api/frames.py). A client that
stops reading is closed with 1013 after ws_send_timeout seconds.
Requests that arrive while one is computing replace each other: only the newest is run.
See docs/protocol.md.
"""

from __future__ import annotations

import asyncio
import struct
import time
from collections.abc import Mapping
from typing import Any

import numpy as np
from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from server.api.deps import ws_identity
from server.api.fanout import Sender, Stalled, dumps
from server.api.frames import error_message, parse_frame, stop_reader
from server.imaging.codec import to_rgba
from server.imaging.store import filter_image
from server.kernels.spec import Pipeline, Source
from server.services import Services

router = APIRouter()
MAGIC = b"KLR1"


class LiveApply(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: str = "apply"
    id: int = Field(ge=0, lt=2**32)
    source: Source
    spec: Pipeline
    preview_max_side: int | None = Field(default=None, ge=16, le=8192)


def _compute(services: Services, req: LiveApply, owner: str) -> tuple[dict[str, Any], bytes]:
    started = time.perf_counter()
    item = services.images.resolve(req.source.image_id, req.source.sample, owner)
    result = filter_image(item, req.spec, services.images.limits.max_pixels,
                          req.preview_max_side, max_cost=services.images.max_filter_cost)
    height, width = result.pixels.shape[:2]
    frame = _frame(req.id, result.pixels)
    header = {"type": "result", "id": req.id, "width": width, "height": height,
              "channels": int(result.pixels.shape[2]), "stats": result.stats(),
              "notes": result.notes, "preview": bool(req.preview_max_side),
              "time_ms": {"compute": result.compute_ms,
                          "total": (time.perf_counter() - started) * 1000}}
    return header, frame


def _frame(request_id: int, pixels: np.ndarray) -> bytes:
    """MAGIC + uint32 id, width, height + RGBA: the RGBA conversion writes straight into the
    frame's buffer, which is copied once into the bytes the socket sends."""
    height, width = pixels.shape[:2]
    buffer = np.empty(16 + height * width * 4, dtype=np.uint8)
    buffer[:16] = np.frombuffer(MAGIC + struct.pack("<III", request_id, width, height),
                                dtype=np.uint8)
    to_rgba(pixels, out=buffer[16:].reshape(height, width, 4))
    return buffer.tobytes()


async def _handle(sender: Sender, services: Services, message: Mapping[str, Any],
                  owner: str) -> None:
    """Answer one client message: a result, or an error for anything that goes wrong.
    Parsing, validation (the scale's bounds) and filtering run in worker threads."""
    request_id: Any = None
    try:
        data = await run_in_threadpool(parse_frame, message, True)
        request_id = _id_of(data)
        req = await run_in_threadpool(LiveApply.model_validate, data)
        header, frame = await run_in_threadpool(_compute, services, req, owner)
    except Exception as exc:  # every failure is answered; the socket goes on
        await sender.send_text(dumps(error_message(exc, id=request_id)))
        return
    await sender.send_text(dumps(header))
    await sender.send_bytes(frame)


def _id_of(data: Any) -> int | None:
    """The request's id as sent, when it is a number (to tag its error)."""
    rid = data.get("id") if isinstance(data, dict) else None
    return rid if isinstance(rid, int) and not isinstance(rid, bool) else None


@router.websocket("/ws/kernels")
async def kernels_socket(websocket: WebSocket) -> None:
    services: Services = websocket.app.state.services
    await websocket.accept()
    sender = Sender(websocket, services.settings.ws_send_timeout)  # a stalled client: 1013
    pending: list[Mapping[str, Any]] = []
    wake = asyncio.Event()

    async def reader() -> None:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                raise WebSocketDisconnect(message.get("code", 1000))
            pending[:] = [message]  # newest wins: older unstarted edits are dropped
            wake.set()

    reading = asyncio.create_task(reader())
    try:
        while True:
            waiting = asyncio.create_task(wake.wait())
            done, _ = await asyncio.wait({waiting, reading}, return_when=asyncio.FIRST_COMPLETED)
            if reading in done:
                waiting.cancel()
                break
            wake.clear()
            message = pending.pop() if pending else None
            if message is not None:
                await _handle(sender, services, message, ws_identity(websocket).session_id)
    except WebSocketDisconnect:
        pass
    except Stalled:
        services.metrics.viewer_dropped("kernels")
        await sender.close_stalled()
    finally:
        stop_reader(reading)
