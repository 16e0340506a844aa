"""Fan events out to many subscribers without ever blocking the producer.

Each subscriber has a bounded queue. When a slow client lets it fill up, the oldest
events are dropped (and counted) so the newest always get through: a stalled browser
never slows training or the other clients. Publishing is thread-safe (the executor's
reader threads publish; subscribers live on the event loop).
"""

from __future__ import annotations

import asyncio
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

MARKER = "_heavy"  # a queue item that means "a heavy frame of this kind is waiting"


@dataclass(eq=False)
class Subscriber:
    queue: asyncio.Queue[dict[str, Any]]
    loop: asyncio.AbstractEventLoop
    dropped: int = 0
    # Heavy frames (maps, filters) are latest-value-wins: only a marker waits in the queue,
    # and whatever is newest when the client is ready is what it gets.
    pending: dict[str, dict[str, Any]] = field(default_factory=dict)

    def offer_heavy(self, kind: str, event: dict[str, Any]) -> None:
        """Runs on the subscriber's loop."""
        waiting = kind in self.pending
        self.pending[kind] = event
        if not waiting:
            self.offer({"type": MARKER, "kind": kind})

    def take_heavy(self, kind: str) -> dict[str, Any] | None:
        return self.pending.pop(kind, None)

    def offer(self, event: dict[str, Any]) -> None:
        """Runs on the subscriber's loop."""
        while self.queue.full():
            self.queue.get_nowait()
            self.dropped += 1
        self.queue.put_nowait(event)


@dataclass
class Hub:
    maxsize: int = 256
    _topics: dict[str, set[Subscriber]] = field(default_factory=lambda: defaultdict(set))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def subscribe(self, topic: str) -> Subscriber:
        subscriber = Subscriber(asyncio.Queue(self.maxsize), asyncio.get_running_loop())
        with self._lock:
            self._topics[topic].add(subscriber)
        return subscriber

    def unsubscribe(self, topic: str, subscriber: Subscriber) -> None:
        with self._lock:
            self._topics[topic].discard(subscriber)
            if not self._topics[topic]:
                del self._topics[topic]

    def publish(self, topic: str, event: dict[str, Any], heavy: bool = False) -> None:
        """From any thread. Never blocks. heavy: coalesce per kind, latest value wins."""
        with self._lock:
            subscribers = list(self._topics.get(topic, ()))
        for subscriber in subscribers:
            try:
                if heavy:
                    subscriber.loop.call_soon_threadsafe(subscriber.offer_heavy, event["type"],
                                                         event)
                else:
                    subscriber.loop.call_soon_threadsafe(subscriber.offer, event)
            except RuntimeError:  # that loop is closed: the client is gone
                self.unsubscribe(topic, subscriber)

    def count(self, topic: str) -> int:
        with self._lock:
            return len(self._topics.get(topic, ()))
