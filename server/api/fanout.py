"""One run's events to many viewers: encode once, send N times, drop who cannot keep up.

Every viewer of a run gets the same `Event` object from the hub. Its JSON text, and for
activations/filters the header text and the binary frame, are made by the first viewer
that needs them and kept on the event (`Event.encoded`), so 100 viewers cost one encode
and one frame; a viewer that chose a subset of layers costs one slice per distinct
subset. The one per-viewer field, `dropped`, is spliced into the shared text only for a
viewer that has lost events.

A send that does not complete within `ws_send_timeout` (the viewer stopped reading and
its socket buffers are full) raises `Stalled`: the socket is closed with 1013 "too slow:
reconnect", and the viewer unsubscribed. A page reconnects and gets a fresh snapshot.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import struct
import time
from collections.abc import Callable, Coroutine, Hashable
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from fastapi import WebSocket, WebSocketDisconnect

from server.hub import MARKER, RESYNC, Event, Subscriber
from server.training.runs import BINARY

MAGIC = b"CNR1"
STALLED_CODE = 1013  # "try again later": the browser's RunSocket reconnects
STALLED_REASON = "too slow: reconnect"
CLOSE_WAIT_S = 1.0  # the close frame queues behind unread data: wait this long, then leave
T = TypeVar("T")


@dataclass
class Options:
    max_fps: float = 2.0
    layers: set[int] | None = None
    last_sent: dict[str, float] = field(default_factory=dict)


def dumps(event: dict[str, Any]) -> str:
    """As Starlette's send_json encodes."""
    return json.dumps(event, separators=(",", ":"), ensure_ascii=False)


def _cached(event: dict[str, Any], key: Hashable, make: Callable[[], T]) -> T:
    """make() once per published event (the hub's Event keeps it); a plain dict (the
    snapshot's latest frames, sent to one viewer) is simply encoded."""
    if not isinstance(event, Event):
        return make()
    if key not in event.encoded:
        event.encoded[key] = make()
    return cast(T, event.encoded[key])


def event_text(event: dict[str, Any]) -> str:
    """The event's JSON text, shared by every viewer."""
    return _cached(event, "text", lambda: dumps(event))


def with_dropped(text: str, dropped: int) -> str:
    """Add this viewer's `dropped` count to an event's shared text: a splice, not a new
    encoding (present only once the viewer has lost events)."""
    return f'{text[:-1]},"dropped":{dropped}}}' if dropped else text


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


def binary_frames(event: dict[str, Any], layers: set[int] | None) -> tuple[str, bytes]:
    """The header text and the CNR1 frame for these layers (None: all), made once per
    event and selection."""
    def make() -> tuple[str, bytes]:
        header, data = select_blocks(event, layers)
        return dumps(header), MAGIC + struct.pack("<I", event["seq"]) + data

    key = ("frames", None if layers is None else frozenset(layers))
    return _cached(event, key, make)


class Stalled(Exception):
    """A send did not complete within ws_send_timeout: the viewer is not reading."""


class Resync(Exception):
    """The shared state (Redis) was lost: the viewer reconnects and reads a new snapshot."""


RESYNC_CODE, RESYNC_REASON = 1012, "the shared state restarted: reconnect"


@dataclass
class Sender:
    """Sends to one viewer; a send that takes longer than `timeout` seconds raises Stalled
    (the server's sends wait while the socket's write buffer is full)."""

    websocket: WebSocket
    timeout: float

    async def send_text(self, text: str) -> None:
        await self._timed(self.websocket.send_text(text))

    async def send_bytes(self, data: bytes) -> None:
        await self._timed(self.websocket.send_bytes(data))

    async def _timed(self, sending: Coroutine[Any, Any, None]) -> None:
        try:
            async with asyncio.timeout(self.timeout):
                await sending
        except TimeoutError:
            raise Stalled(f"a send took over {self.timeout:g} s") from None

    async def close_stalled(self) -> None:
        """Close with 1013. The close frame waits behind what the viewer has not read, so
        give it a moment, then leave anyway: returning from the handler lets go of the
        socket (its unsent data is bounded by the transport's write buffer)."""
        with contextlib.suppress(TimeoutError, RuntimeError, OSError, WebSocketDisconnect):
            async with asyncio.timeout(CLOSE_WAIT_S):
                await self.websocket.close(code=STALLED_CODE, reason=STALLED_REASON)


async def send_heavy(sender: Sender, event: dict[str, Any], options: Options) -> None:
    if event["type"] not in BINARY:
        await sender.send_text(event_text(event))
        return
    header, frame = binary_frames(event, options.layers)
    await sender.send_text(header)
    await sender.send_bytes(frame)


async def stream(sender: Sender, subscriber: Subscriber, options: Options,
                 last_seq: int) -> None:
    """Forward the subscriber's events, newer than the snapshot's `last_seq`, forever."""
    loop = asyncio.get_running_loop()
    while True:
        item = await subscriber.queue.get()
        if item["type"] == RESYNC:
            raise Resync()
        if item["type"] == MARKER:
            kind = item["kind"]
            wait = 1 / options.max_fps - (time.monotonic() - options.last_sent.get(kind, 0))
            if kind in BINARY and wait > 0:  # too soon for this client: later, the newest
                loop.call_later(wait, subscriber.offer, item)
                continue
            event = subscriber.take_heavy(kind, item.get("seq"))
            # Sent at its own place in seq order, or not at all (a frame held back by
            # max_fps is skipped when something newer went out meanwhile).
            if event is not None and event["seq"] > last_seq:
                last_seq = event["seq"]
                options.last_sent[kind] = time.monotonic()
                await send_heavy(sender, event, options)
            continue
        if item["seq"] <= last_seq:
            continue  # already in the snapshot
        last_seq = item["seq"]
        await sender.send_text(with_dropped(event_text(item), subscriber.dropped))
