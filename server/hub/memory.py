"""Fan events out to many subscribers without ever blocking the producer.

Each subscriber has a bounded queue. When a slow client lets it fill up, the oldest
events are dropped (and counted) so the newest always get through: a stalled browser
never slows training or the other clients. Publishing is thread-safe (the executor's
reader threads publish; subscribers live on the event loop) and costs one
`call_soon_threadsafe` per event loop, however many subscribers that loop serves.

Every subscriber gets the same `Event` object: whatever a consumer derives from it (its
JSON text, a binary frame) goes in `Event.encoded`, so N viewers cost one encoding.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any

MARKER = "_heavy"  # a queue item that means "a heavy frame of this kind is waiting"
RESYNC = "_resync"  # a queue item that means "the shared state was lost: reconnect"


class Event(dict[str, Any]):
    """A published event: one dict shared by every subscriber (never change it), plus
    `encoded`, a cache its consumers fill on their event loop (keys are theirs)."""

    __slots__ = ("encoded",)

    def __init__(self, event: Mapping[str, Any]):
        super().__init__(event)
        self.encoded: dict[Hashable, Any] = {}


@dataclass(eq=False)
class Subscriber:
    queue: asyncio.Queue[dict[str, Any]]
    loop: asyncio.AbstractEventLoop
    dropped: int = 0
    # Heavy frames (maps, filters) are latest-value-wins: the newest frame of each kind is
    # kept aside and a small marker with its seq waits in the queue at the frame's place.
    # A newer frame replaces the older one and queues its own marker; the older marker is
    # then stale and skipped. So a frame is only ever sent at its own place in seq order:
    # a slow client skips frames, and never sees one overtake a later event.
    pending: dict[str, dict[str, Any]] = field(default_factory=dict)
    active: bool = True  # False once unsubscribed: nothing is queued any more

    def offer_heavy(self, kind: str, event: dict[str, Any]) -> None:
        """Runs on the subscriber's loop."""
        if not self.active:
            return
        self.pending[kind] = event
        self.offer({"type": MARKER, "kind": kind, "seq": event.get("seq")})

    def take_heavy(self, kind: str, seq: int | None) -> dict[str, Any] | None:
        """The frame a marker stands for, or None when a newer frame has replaced it."""
        event = self.pending.get(kind)
        if event is None or event.get("seq") != seq:
            return None
        return self.pending.pop(kind)

    def offer(self, event: dict[str, Any]) -> None:
        """Runs on the subscriber's loop."""
        if not self.active:
            return
        while self.queue.full():
            oldest = self.queue.get_nowait()
            if oldest.get("type") == MARKER:
                # Its frame goes too, unless a newer frame (with a newer marker) replaced it.
                # A skipped frame is not counted: heavy frames are latest-value-wins.
                self.take_heavy(oldest["kind"], oldest.get("seq"))
            else:
                self.dropped += 1
        self.queue.put_nowait(event)

    def release(self) -> None:
        """Unsubscribed: queue nothing more and let go of what was waiting."""
        self.active = False
        self.pending.clear()
        while not self.queue.empty():
            self.queue.get_nowait()


def _deliver(subscribers: tuple[Subscriber, ...], event: Event, heavy: bool) -> None:
    """Runs on the subscribers' loop: one callback per publish, whatever their number."""
    if heavy:
        kind = event["type"]
        for subscriber in subscribers:
            subscriber.offer_heavy(kind, event)
    else:
        for subscriber in subscribers:
            subscriber.offer(event)


@dataclass
class Hub:
    maxsize: int = 256
    # topic -> loop -> its subscribers. Copied on (un)subscribe, never changed in place, so
    # publish reads it under the lock in O(1) and iterates it outside.
    _routes: dict[str, dict[asyncio.AbstractEventLoop, tuple[Subscriber, ...]]] = field(
        default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def subscribe(self, topic: str) -> Subscriber:
        subscriber = Subscriber(asyncio.Queue(self.maxsize), asyncio.get_running_loop())
        with self._lock:
            routes = dict(self._routes.get(topic, {}))
            routes[subscriber.loop] = (*routes.get(subscriber.loop, ()), subscriber)
            self._routes[topic] = routes
        return subscriber

    def unsubscribe(self, topic: str, subscriber: Subscriber) -> None:
        with self._lock:
            routes = dict(self._routes.get(topic, {}))
            rest = tuple(s for s in routes.get(subscriber.loop, ()) if s is not subscriber)
            if rest:
                routes[subscriber.loop] = rest
            else:
                routes.pop(subscriber.loop, None)
            if routes:
                self._routes[topic] = routes
            else:
                self._routes.pop(topic, None)
        subscriber.release()

    def publish(self, topic: str, event: dict[str, Any], heavy: bool = False) -> None:
        """From any thread. Never blocks. heavy: coalesce per kind, latest value wins."""
        with self._lock:
            routes = self._routes.get(topic)
        if not routes:
            return
        shared = event if isinstance(event, Event) else Event(event)
        for loop, subscribers in routes.items():
            try:
                loop.call_soon_threadsafe(_deliver, subscribers, shared, heavy)
            except RuntimeError:  # that loop is closed: its clients are gone
                for subscriber in subscribers:
                    self.unsubscribe(topic, subscriber)

    def count(self, topic: str) -> int:
        with self._lock:
            return sum(len(s) for s in self._routes.get(topic, {}).values())
