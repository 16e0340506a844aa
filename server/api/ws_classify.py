"""/ws/classify: the Classify page's webcam. The newest frame wins.

Client -> server, per frame: a text header {"type": "frame", "id": n, "model_id": "...",
"format": "rgba" | "image", "width", "height", "top_k": 5, "explain": true}, then one binary
message with the picture (server/inference/frames.py).
Server -> client: {"type": "result", "id": n, "model_id", "predictions": [...],
"explanation": {...} | null, "time_ms", "skipped", "stats"} for each frame classified.
Frames that arrive while one is classified replace each other: only the newest waiting one
goes next (the others are counted in `skipped`), and a socket starts at most
CNNPG_WEBCAM_MAX_FPS frames a second. Errors come as {"type": "error", "id": n, "status",
"detail"}; the socket stays open. See docs/protocol.md.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from fastapi.concurrency import run_in_threadpool

from server.api.deps import ws_identity
from server.api.fanout import Sender, Stalled, dumps
from server.api.frames import error_message, parse_frame, stop_reader
from server.api.model_access import check_readable
from server.classroom.sessions import Identity
from server.errors import InvalidInput
from server.inference import explain as explaining
from server.inference.answers import run_failed, top_k
from server.inference.frames import FrameHeader, FrameLimits, frame_pixels, header_id
from server.inference.predictor import Loaded
from server.inference.preprocess import PreparedInput, prepare
from server.services import Services

router = APIRouter()
MAX_HEADER_CHARS = 4096


@dataclass
class Unit:
    """One frame as received: its header text and its picture (either may be missing)."""
    header: str | None
    data: bytes | None


@dataclass
class Stats:
    received: int = 0
    answered: int = 0
    skipped: int = 0
    errors: int = 0
    skipped_since: int = 0  # since the last answer

    def shown(self) -> dict[str, int]:
        return {"received": self.received, "answered": self.answered,
                "skipped": self.skipped, "errors": self.errors}


@dataclass
class Inbox:
    """What waits to be classified. A frame that arrives while nothing is being classified
    (`first`) runs next; frames that arrive while one is classified replace each other
    (`waiting`: the newest; each one replaced counts as skipped). A unit missing its header
    or its picture waits apart (`broken`, the newest such), so its error is sent even when a
    good frame follows at once."""
    stats: Stats
    first: Unit | None = None
    waiting: Unit | None = None
    broken: Unit | None = None
    idle: bool = True
    wake: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def empty(self) -> bool:
        return self.first is None and self.waiting is None and self.broken is None

    def _skip(self) -> None:
        self.stats.skipped += 1
        self.stats.skipped_since += 1

    def offer(self, unit: Unit) -> None:
        self.stats.received += 1
        if unit.header is None or unit.data is None:
            if self.broken is not None:
                self._skip()
            self.broken = unit
        elif self.idle and self.first is None and self.waiting is None:
            self.first = unit
        else:
            if self.waiting is not None:
                self._skip()
            self.waiting = unit
        self.wake.set()

    def take(self, newest: bool) -> Unit | None:
        """The next unit: an error first, then the frames in order, or with `newest` (after
        a pause for the socket's rate) only the newest frame."""
        self.idle = False
        unit: Unit | None
        if self.broken is not None:
            unit, self.broken = self.broken, None
        elif self.first is not None and not (newest and self.waiting is not None):
            unit, self.first = self.first, None
        else:
            if self.first is not None:
                self.first = None
                self._skip()
            unit, self.waiting = self.waiting, None
        if self.empty:
            self.wake.clear()
        return unit

    def rest(self) -> None:
        """The worker waits for the next frame: one that comes now runs whatever follows."""
        self.idle = self.empty


def _read(services: Services, identity: Identity, unit: Unit) -> tuple[FrameHeader, Loaded]:
    """The header checked and the model it names, loaded (as /predict checks it)."""
    if unit.header is None:
        raise InvalidInput("a picture came without its header: send the JSON header "
                           '({"type": "frame", "id", "model_id", ...}) first, then the picture',
                           ["header"])
    if len(unit.header) > MAX_HEADER_CHARS:
        raise InvalidInput(f"the header is {len(unit.header)} characters; at most "
                           f"{MAX_HEADER_CHARS}: send only the frame's fields", ["header"])
    header = FrameHeader.model_validate(parse_frame({"text": unit.header}))
    check_readable(services, identity, header.model_id)
    return header, services.predictor.get(header.model_id)


def _limits(services: Services) -> FrameLimits:
    settings = services.settings
    return FrameLimits(settings.webcam_max_frame_bytes, settings.webcam_max_pixels)


async def _classify(services: Services, identity: Identity, unit: Unit, stats: Stats,
                    skipped: int) -> str:
    """The answer's text for one frame (raises for anything wrong with it)."""
    started = time.perf_counter()
    header, loaded = await run_in_threadpool(_read, services, identity, unit)
    limits = _limits(services)

    def prepared_input() -> PreparedInput:
        return prepare(frame_pixels(header, unit.data, limits), loaded.preprocessing)

    try:  # the same path, batching included, as POST /api/models/{id}/predict
        prepared, output = await services.predictor.batcher(loaded).prepare_and_run(
            prepared_input, lambda p: p.tensor)
    except RuntimeError as exc:
        raise run_failed(loaded, exc) from exc

    stats.answered += 1  # counted here, on the loop, where the reader counts the rest
    shown = stats.shown()

    def answer() -> str:  # the saliency map, its PNGs and the JSON: CPU work, in a thread
        predictions = top_k(loaded, output[0], header.top_k)
        explanation = (explaining.explain(loaded, prepared.tensor, prepared.pixels,
                                          predictions[0]["index"]) if header.explain else None)
        return dumps({"type": "result", "id": header.id, "model_id": loaded.id,
                      "predictions": predictions, "explanation": explanation,
                      "input_size": [prepared.pixels.shape[1], prepared.pixels.shape[0]],
                      "time_ms": round((time.perf_counter() - started) * 1000, 3),
                      "skipped": skipped, "stats": shown})

    return await run_in_threadpool(answer)


async def _handle(sender: Sender, services: Services, identity: Identity, unit: Unit,
                  stats: Stats) -> None:
    skipped, stats.skipped_since = stats.skipped_since, 0  # replaced while this one waited
    try:
        text = await _classify(services, identity, unit, stats, skipped)
    except Exception as exc:  # every failure is answered; the socket goes on
        stats.errors += 1
        rid = await run_in_threadpool(_id_of, unit)
        await sender.send_text(dumps(error_message(exc, id=rid, skipped=skipped,
                                                   stats=stats.shown())))
        return
    await sender.send_text(text)


def _id_of(unit: Unit) -> int | None:
    try:
        return header_id(parse_frame({"text": unit.header})) if unit.header else None
    except Exception:  # the header itself is what was wrong: no id to tag
        return None


@router.websocket("/ws/classify")
async def classify_socket(websocket: WebSocket) -> None:
    services: Services = websocket.app.state.services
    await websocket.accept()
    identity = ws_identity(websocket)
    sender = Sender(websocket, services.settings.ws_send_timeout)  # a stalled client: 1013
    stats = Stats()
    inbox = Inbox(stats)
    gap = 1 / services.settings.webcam_max_fps

    async def reader() -> None:
        held: str | None = None  # a header waiting for its picture
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                raise WebSocketDisconnect(message.get("code", 1000))
            if message.get("text") is not None:
                if held is not None:  # the previous header never got its picture
                    inbox.offer(Unit(held, None))
                held = message["text"]
            else:
                inbox.offer(Unit(held, message.get("bytes") or b""))
                held = None

    reading = asyncio.create_task(reader())
    last_start = -gap
    try:
        while True:
            inbox.rest()
            waiting = asyncio.create_task(inbox.wake.wait())
            done, _ = await asyncio.wait({waiting, reading}, return_when=asyncio.FIRST_COMPLETED)
            if reading in done:
                waiting.cancel()
                break
            pause = last_start + gap - time.monotonic()
            if pause > 0:  # the socket's rate: frames arriving meanwhile replace this one
                inbox.idle = False
                await asyncio.sleep(pause)
            unit = inbox.take(newest=pause > 0)
            if unit is not None:
                last_start = time.monotonic()
                await _handle(sender, services, identity, unit, stats)
    except WebSocketDisconnect:
        pass
    except Stalled:
        await sender.close_stalled()
    finally:
        stop_reader(reading)
