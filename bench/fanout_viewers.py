"""The viewers of bench/fanout.py: N websocket clients of one run, in a process of their own
(asyncio + `websockets`), driven over a pipe by the benchmark.

Readers take every frame as a page would (JSON text decoded, binary frames received) and
note, for each event, its delay: this machine's time.time() on receipt minus the event's
`time` (stamped by the server when the event came from the worker). They ask for up to 30
frames/s, so that no frame waits for the 2 frames/s a page asks for by default. Silent viewers
connect, send nothing more and never read; the `websockets` client stops reading its
socket after a few messages, so TCP back-pressure reaches the server as it would from a
stalled browser. At the end each silent viewer drains what is waiting, to find out
whether the server closed it. With `silent_rcvbuf` (bench/fanout_replicas.py) a silent
viewer's socket gets that small a receive buffer before it connects, and its client
buffers 1 message instead of 16 (~0.5 MB of frames here), so the stall reaches the
server's socket at once (whose send buffer the kernel still grows to a few MB).

Kept free of torch and of the server's modules: this process starts in well under a
second.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any
from urllib.parse import urlsplit

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

CONNECT_TIMEOUT_S = 60.0
DRAIN_IDLE_S = 1.0  # a silent viewer with nothing more to read for this long is still open


@dataclass
class Seen:
    """What the readers received, and what happened to the silent viewers."""

    delays: list[float] = field(default_factory=list)  # seconds, every reader pooled
    stamps: list[float] = field(default_factory=list)  # each delay's event `time`
    text: int = 0
    text_bytes: int = 0
    binary: int = 0
    binary_bytes: int = 0
    dropped: int = 0  # the largest `dropped` any reader was told about
    readers_lost: int = 0  # readers whose connection ended before the benchmark closed it
    silent_closed: int = 0  # silent viewers the server had closed when they drained
    silent_codes: list[int | None] = field(default_factory=list)
    # Per reader: the seq of its snapshot and of every step event it got after it.
    snapshot_seqs: list[int] = field(default_factory=list)
    step_seqs: list[list[int]] = field(default_factory=list)


async def read(ws: ClientConnection, seen: Seen) -> None:
    reader = len(seen.snapshot_seqs)
    steps: list[int] = []
    seen.snapshot_seqs.append(-1)
    seen.step_seqs.append(steps)
    try:
        # No frame held back by the rate limit (a page asks for at most 2 frames/s of each
        # kind, so a frame that follows the previous one within 0.5 s waits, by design):
        # the delay is the fan-out's. Probes come once a second, so the load is the same.
        await ws.send(json.dumps({"type": "subscribe", "max_fps": 30}))
        async for message in ws:
            now = time.time()
            if isinstance(message, bytes):
                seen.binary += 1
                seen.binary_bytes += len(message)
                continue
            seen.text += 1
            seen.text_bytes += len(message)
            event = json.loads(message)
            if event.get("type") == "snapshot":
                seen.snapshot_seqs[reader] = int(event.get("seq", 0))
            elif event.get("type") == "step":
                steps.append(int(event["seq"]))
            if "time" in event:  # every event but the snapshot
                seen.delays.append(now - float(event["time"]))
                seen.stamps.append(float(event["time"]))
            seen.dropped = max(seen.dropped, int(event.get("dropped", 0)))
    except ConnectionClosed:
        seen.readers_lost += 1


async def drain(ws: ClientConnection, seen: Seen) -> None:
    """Read what a silent viewer left unread: the server closed it if that ends in a close."""
    try:
        while True:
            await asyncio.wait_for(ws.recv(), DRAIN_IDLE_S)
    except TimeoutError:
        return  # still open: nothing more came
    except ConnectionClosed as closed:
        seen.silent_closed += 1
        seen.silent_codes.append(closed.rcvd.code if closed.rcvd else None)


class Crowd:
    """n viewers of one run, the first `silent` of them never reading; headers: each
    viewer's handshake headers (its session)."""

    def __init__(self, url: str, n: int, silent: int, headers: list[dict[str, str]],
                 silent_rcvbuf: int = 0):
        self.url, self.n, self.silent, self.headers = url, n, silent, headers
        self.silent_rcvbuf = silent_rcvbuf
        self.seen = Seen()
        self.readers: list[asyncio.Task[None]] = []
        self.quiet: list[ClientConnection] = []
        self.sockets: list[ClientConnection] = []

    async def _open(self, i: int) -> ClientConnection:
        silent = i < self.silent
        small = silent and self.silent_rcvbuf > 0  # and the client buffers 1 message, not 16
        return await connect(self.url, additional_headers=self.headers[i], compression=None,
                             max_size=None, open_timeout=CONNECT_TIMEOUT_S,
                             ping_interval=None if silent else 20,
                             sock=await self._small_socket() if small else None,
                             max_queue=1 if small else 16)

    async def _small_socket(self) -> socket.socket:
        """A TCP socket to the server with a receive buffer of `silent_rcvbuf` bytes."""
        where = urlsplit(self.url)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, self.silent_rcvbuf)
        sock.setblocking(False)
        await asyncio.get_running_loop().sock_connect(sock, (where.hostname, where.port))
        return sock

    async def connect(self) -> float:
        """Open every connection; returns the seconds it took. Each reader has its
        snapshot in hand (or is reading it) when this returns."""
        started = time.perf_counter()
        self.sockets = list(await asyncio.gather(
            *(self._open(i) for i in range(self.n))))
        self.quiet = self.sockets[:self.silent]
        self.readers = [asyncio.create_task(read(ws, self.seen))
                        for ws in self.sockets[self.silent:]]
        return time.perf_counter() - started

    async def finish(self) -> Seen:
        await asyncio.gather(*(drain(ws, self.seen) for ws in self.quiet))
        for ws in self.sockets:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(ws.close(), 2)
        lost = self.seen.readers_lost
        await asyncio.gather(*self.readers, return_exceptions=True)
        self.seen.readers_lost = lost  # closing them ourselves is not a loss
        return self.seen


async def serve(conn: Connection) -> None:
    """Commands: ("watch", url, n, silent, [headers of each viewer][, {"silent_rcvbuf":
    bytes}]) -> ("connected", seconds); then
    ("stop",) -> ("seen", dict); ("quit",) ends the process."""
    while True:
        command = await asyncio.to_thread(conn.recv)
        if command[0] == "quit":
            return
        _, url, n, silent, headers, *options = command
        crowd = Crowd(url, n, silent, headers, **(options[0] if options else {}))
        try:
            conn.send(("connected", await crowd.connect()))
        except Exception as exc:  # tell the benchmark, which stops its run
            conn.send(("error", repr(exc)))
            continue
        await asyncio.to_thread(conn.recv)  # ("stop",): the run is over
        conn.send(("seen", (await crowd.finish()).__dict__))


def main(conn: Connection) -> None:
    asyncio.run(serve(conn))


def as_seen(answer: dict[str, Any]) -> Seen:
    return Seen(**answer)
