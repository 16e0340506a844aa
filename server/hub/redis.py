"""The hub across API replicas, through Redis (CNNPG_REDIS_URL; docs/scale-out.md).

Each replica keeps the in-memory hub for its own viewers: bounded queues, heavy frames
latest-value-wins, a slow viewer dropped and never the run. This class adds two threads:

- the writer sends what this replica publishes to Redis: one PUBLISH per event on the
  channel `cnnpg:hub:<topic>`, and for run topics the event is also kept for viewers that
  connect later on another replica (server/hub/run_log.py). `publish` only appends to a
  bounded outbox, so a slow or absent Redis never blocks the run that publishes.
- the listener receives every replica's events (one pattern subscription) and hands those
  of topics with viewers here to the local hub. Events it published itself are skipped:
  they were delivered locally at once.

When the connection to Redis is lost, every viewer here is sent `RESYNC` (its socket
closes with 1012 and the page reconnects, reading a fresh snapshot). Whenever the
subscription is made, at start or after a loss, they are sent it again (a page that
connected meanwhile read a snapshot while this replica heard no events, so it may have
missed some), and the `on_reconnect` callbacks run (the run mirror rewrites its runs'
snapshots).
Replicas also reach each other directly: `call(replica, method, args)` asks the replica
that runs a run to pause it, say, and waits for its answer (see server/hub/replicas.py).
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import redis

from server.hub.memory import RESYNC, Event, Hub
from server.hub.run_log import RunLog, pack, unpack

log = logging.getLogger(__name__)
PREFIX = "cnnpg:hub:"
ALIVE_S = 10.0  # a replica that did not refresh its key for this long is gone
Handler = Callable[[str, dict[str, Any]], Any]


def connect(url: str) -> redis.Redis:
    """A client whose calls fail within seconds when Redis is away, instead of hanging."""
    return redis.Redis.from_url(url, socket_timeout=5.0, socket_connect_timeout=2.0,
                                health_check_interval=10)


class RedisHub(Hub):
    def __init__(self, url: str, outbox: int = 20_000, retention_s: float = 86400.0):
        super().__init__()
        self.url = url
        self.origin = secrets.token_hex(6)  # this replica's name, new at every start
        self.client = connect(url)
        self.log = RunLog(self.client, retention_s)
        self.connected = threading.Event()
        self.on_reconnect: list[Callable[[], None]] = []
        self.handler: Handler | None = None  # answers other replicas' calls
        self._outbox: deque[tuple[str, Any]] = deque(maxlen=outbox)
        self._wake = threading.Condition()
        self._stopped = threading.Event()
        self._calls = ThreadPoolExecutor(4, thread_name_prefix="hub-call")
        self._threads = [threading.Thread(target=self._write_forever, name="hub-writer",
                                          daemon=True),
                         threading.Thread(target=self._listen_forever, name="hub-listener",
                                          daemon=True)]
        for thread in self._threads:
            thread.start()

    # -- publishing -------------------------------------------------------------------
    def publish(self, topic: str, event: dict[str, Any], heavy: bool = False) -> None:
        """Local viewers at once; every other replica through Redis. Never blocks."""
        shared = event if isinstance(event, Event) else Event(event)
        super().publish(topic, shared, heavy)
        self.send("event", (topic, dict(shared), heavy))

    def send(self, kind: str, item: Any) -> None:
        """Queue a write for the writer thread (the oldest goes when the outbox is full)."""
        with self._wake:
            self._outbox.append((kind, item))
            self._wake.notify()

    def _write_forever(self) -> None:
        beat = 0.0  # the heartbeat goes first: a replica is alive from its first moment
        while not self._stopped.is_set():
            batch: list[tuple[str, Any]] = []
            try:
                if time.monotonic() - beat > ALIVE_S / 3:
                    self.client.set(f"cnnpg:replica:{self.origin}", "1", ex=int(ALIVE_S))
                    beat = time.monotonic()
                with self._wake:
                    if not self._outbox:
                        self._wake.wait(timeout=1.0)
                    batch = [self._outbox.popleft()
                             for _ in range(min(500, len(self._outbox)))]
                if batch:
                    self._write(batch)
            except (redis.RedisError, OSError) as exc:
                with self._wake:  # keep them, in order, for when Redis is back
                    self._outbox.extendleft(reversed(batch))
                beat = 0.0  # and say at once that we are alive (a Redis without its data)
                log.warning("Redis write failed (%s); retrying", exc)
                self._stopped.wait(0.2)

    def _write(self, batch: list[tuple[str, Any]]) -> None:
        pipe = self.client.pipeline(transaction=False)
        for kind, item in batch:
            if kind == "event":
                topic, event, heavy = item
                payload = pack({"o": self.origin, "h": heavy, "e": event})
                if topic.startswith("run:"):
                    self.log.record_event(pipe, topic[4:], event, heavy)
                pipe.publish(PREFIX + topic, payload)
            elif kind == "resync":  # viewers of this topic on other replicas reconnect
                pipe.publish(PREFIX + item, pack({"o": self.origin, "h": False,
                                                  "e": {"type": RESYNC}}))
            else:  # a RunLog write queued by SharedRuns: ("log", callable(pipe))
                item(pipe)
        pipe.execute()

    # -- listening --------------------------------------------------------------------
    def _listen_forever(self) -> None:
        delay = 0.2
        while not self._stopped.is_set():
            pubsub = self.client.pubsub(ignore_subscribe_messages=True)
            try:
                pubsub.psubscribe(PREFIX + "*")
                pubsub.subscribe(f"cnnpg:call:{self.origin}")
                if not self.connected.is_set():
                    self._resync_all()  # a viewer that came while unsubscribed missed events
                    self.connected.set()
                    for callback in self.on_reconnect:
                        self._calls.submit(callback)
                delay = 0.2
                while not self._stopped.is_set():
                    message = pubsub.get_message(timeout=1.0)
                    if message is not None:
                        self._received(message)
            except (redis.RedisError, OSError) as exc:
                if self.connected.is_set():
                    log.warning("lost Redis (%s): viewers reconnect and resync", exc)
                    self.connected.clear()
                    self._resync_all()
                self._stopped.wait(delay)
                delay = min(delay * 2, 5.0)
            finally:
                with contextlib.suppress(redis.RedisError, OSError):
                    pubsub.close()

    def _received(self, message: dict[str, Any]) -> None:
        channel = message["channel"].decode()
        if channel.startswith(PREFIX):
            topic = channel[len(PREFIX):]
            if self.count(topic):  # decoded only where someone watches
                data = unpack(message["data"])
                if data["o"] != self.origin:
                    Hub.publish(self, topic, data["e"], data["h"])
        elif self.handler is not None:
            self._calls.submit(self._answer, unpack(message["data"]))

    def _resync_all(self) -> None:
        with self._lock:
            topics = list(self._routes)
        for topic in topics:
            Hub.publish(self, topic, {"type": RESYNC})

    # -- replica to replica -----------------------------------------------------------
    def alive(self, origin: str) -> bool:
        return origin == self.origin or bool(self.client.exists(f"cnnpg:replica:{origin}"))

    def call(self, origin: str, method: str, args: dict[str, Any],
             timeout: float = 35.0) -> Any:
        """Ask replica `origin` to run `method(args)`; its answer, or its error raised."""
        reply = f"cnnpg:reply:{secrets.token_hex(8)}"
        request = pack({"method": method, "args": args, "reply": reply})
        if not self.client.publish(f"cnnpg:call:{origin}", request):
            return {"error": {"status": 503, "msg": "the API replica that runs it is gone"}}
        answer: list[bytes] | None = self.client.blpop(  # type: ignore[assignment]
            [reply], timeout=timeout)
        if answer is None:
            return {"error": {"status": 504, "msg": f"no answer from its replica in "
                                                    f"{timeout:g} s"}}
        return unpack(answer[1])

    def _answer(self, request: dict[str, Any]) -> None:
        assert self.handler is not None
        answer = self.handler(request["method"], request["args"])
        with contextlib.suppress(redis.RedisError, OSError):
            pipe = self.client.pipeline(transaction=False)
            pipe.rpush(request["reply"], pack(answer))
            pipe.expire(request["reply"], 60)
            pipe.execute()

    def close(self) -> None:
        """Send what is queued (a run stopped by the shutdown says so), up to 2 s, then stop."""
        deadline = time.monotonic() + 2.0
        while self._outbox and self.connected.is_set() and time.monotonic() < deadline:
            time.sleep(0.02)  # the writer drains it
        self._stopped.set()
        with self._wake:
            self._wake.notify()
        for thread in self._threads:
            thread.join(timeout=5)
        self._calls.shutdown(wait=False, cancel_futures=True)
        with contextlib.suppress(redis.RedisError, OSError):
            self.client.delete(f"cnnpg:replica:{self.origin}")
        self.client.close()
