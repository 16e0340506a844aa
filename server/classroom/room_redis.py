"""Rooms in Redis (CNNPG_REDIS_URL), shared by every API replica. docs/classroom.md, "Rooms
across replicas", lists the keys.

Each room is one JSON document. Every change is an optimistic transaction: WATCH the
document, read it, apply the change in Python (the same admission rules as in memory),
then MULTI/EXEC; when another replica wrote it meanwhile, EXEC fails and the change is
applied again to what that replica stored. No process lock is involved, so two students
joining on two replicas at once both land.

Redis failures become 503 (server.errors.Unavailable) with a message that names
CNNPG_REDIS_URL; the client's socket timeouts keep a request from hanging on a dead Redis.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar, cast

import redis
from redis.backoff import NoBackoff
from redis.client import Pipeline
from redis.exceptions import ConnectionError, RedisError, WatchError
from redis.retry import Retry

from server.classroom import room_json
from server.classroom.room_records import KEEP_CLOSED_S, ROOM_HOURS, Room
from server.classroom.room_table import LimitCheck, deadline, forgotten, new_code
from server.errors import Unavailable

T = TypeVar("T")
PREFIX = "cnnpg:"
OPEN = PREFIX + "rooms:open"  # codes of rooms not closed yet: the server-wide room cap
ATTEMPTS = 100  # optimistic retries before giving up (a class of 100 joining at once fits)
INDEX_S = ROOM_HOURS * 3600 + KEEP_CLOSED_S  # a session's index outlives its rooms
TIMEOUT_S = 2.0  # connect and read: a dead Redis answers 503 in seconds, never hangs
# A participant's open sockets, counted up and down; at 0 the field goes (never negative).
COUNT = """
local n = redis.call('HINCRBY', KEYS[1], ARGV[1], ARGV[2])
if n <= 0 then redis.call('HDEL', KEYS[1], ARGV[1]) end
redis.call('EXPIRE', KEYS[1], ARGV[3])
return n
"""


def room_key(code: str) -> str:
    return f"{PREFIX}room:{code}"


def online_key(code: str) -> str:
    return f"{PREFIX}room:{code}:online"


def session_key(session_id: str) -> str:
    return f"{PREFIX}session:{session_id}:rooms"


class Busy(Exception):
    """The transaction must start again (the code drawn was taken, or a write raced)."""


def client(url: str) -> redis.Redis:
    # One retry on a dropped connection (a pooled one that a Redis restart closed: it fails
    # at once), none on a timeout: a Redis that does not answer costs one TIMEOUT_S.
    return redis.Redis.from_url(
        url, decode_responses=True, socket_timeout=TIMEOUT_S,
        socket_connect_timeout=TIMEOUT_S, health_check_interval=30,
        retry=Retry(NoBackoff(), 1, supported_errors=(ConnectionError,)))


@contextmanager
def answering() -> Iterator[None]:
    """Redis errors as the 503 the routes answer (the rooms socket: close 1013)."""
    try:
        yield
    except RedisError as exc:
        raise Unavailable(
            "rooms are kept in Redis (CNNPG_REDIS_URL), and Redis is not answering "
            f"({type(exc).__name__}); try again in a moment. If it goes on, the operator "
            "should check that Redis runs and that CNNPG_REDIS_URL points at it",
            ["rooms"], code="rooms_unavailable") from None


class RedisTable:
    def __init__(self, url: str) -> None:
        self.client = client(url)
        self.count = self.client.register_script(COUNT)

    def _transact(self, body: Callable[[Pipeline], T]) -> T:
        """Run `body` (it WATCHes, reads, then queues its writes after pipe.multi()) until
        EXEC succeeds; a little random wait spreads replicas that keep colliding."""
        with answering(), self.client.pipeline() as pipe:
            for attempt in range(ATTEMPTS):
                try:
                    result = body(pipe)
                    if pipe.command_stack and None in pipe.execute()[:1]:
                        raise Busy()  # SET NX found the code taken
                    return result
                except (WatchError, Busy):
                    pipe.reset()
                    time.sleep(random.uniform(0, 0.001 * min(attempt, 20)))
        raise Unavailable(f"rooms are busy: a change lost {ATTEMPTS} races in a row with other "
                          "replicas; try again", ["rooms"], code="rooms_busy")

    def _load(self, codes: list[str]) -> list[Room | None]:
        """The rooms (None where gone), each with its participants' online counts: one
        round trip for any number."""
        if not codes:
            return []
        with answering(), self.client.pipeline(transaction=False) as pipe:
            for code in codes:
                pipe.get(room_key(code))
                pipe.hgetall(online_key(code))
            replies = pipe.execute()
        now, rooms = time.time(), []
        for raw, counts in zip(replies[::2], replies[1::2], strict=True):
            room = None if raw is None else room_json.loads(
                raw, {k: int(v) for k, v in counts.items()})
            rooms.append(None if room is None or forgotten(room, now) else room)
        return rooms

    def get(self, code: str) -> Room | None:
        return self._load([code])[0]

    def of_session(self, session_id: str) -> list[Room]:
        with answering():
            codes = sorted(cast(set[str], self.client.smembers(session_key(session_id))))
        rooms = self._load(codes)
        gone = [c for c, r in zip(codes, rooms, strict=True) if r is None]
        if gone:  # the index outlives expired rooms: tidy it as it is read
            with answering():
                self.client.srem(session_key(session_id), *gone)
        return [r for r in rooms if r is not None]

    def add(self, make: Callable[[str], Room], check: LimitCheck) -> Room:
        def body(pipe: Pipeline) -> Room:
            code = new_code()
            _watch(pipe, OPEN, room_key(code))  # a room created meanwhile makes EXEC fail
            if pipe.exists(room_key(code)):
                raise Busy()
            codes = sorted(cast(set[str], pipe.smembers(OPEN)))
            docs = cast(list[str | None], pipe.mget([room_key(c) for c in codes])) if codes \
                else []
            rooms = [room_json.loads(d) if d is not None else None for d in docs]
            stale = [c for c, r in zip(codes, rooms, strict=True) if r is None or r.closed]
            check([r for r in rooms if r is not None and not r.closed])
            room = make(code)
            pipe.multi()
            pipe.set(room_key(code), room_json.dumps(room), nx=True, exat=deadline(room))
            pipe.delete(online_key(code))  # a code used before, long ago, starts afresh
            pipe.sadd(OPEN, code)
            if stale:
                pipe.srem(OPEN, *stale)
            _index(pipe, room.owner, code)
            return room

        return self._transact(body)

    def update(self, code: str, change: Callable[[Room], T]) -> tuple[Room, T] | None:
        key = room_key(code)

        def body(pipe: Pipeline) -> tuple[Room, T] | None:
            _watch(pipe, key)
            raw = cast(str | None, pipe.get(key))
            counts = cast(dict[str, str], pipe.hgetall(online_key(code)))
            room = None if raw is None else room_json.loads(
                raw, {k: int(v) for k, v in counts.items()})
            if room is None or forgotten(room, time.time()):
                pipe.unwatch()
                return None
            before, was_closed = set(room.participants), room.closed
            result = change(room)
            pipe.multi()
            pipe.set(key, room_json.dumps(room), exat=max(deadline(room), int(time.time()) + 1))
            pipe.expireat(online_key(code), deadline(room))
            if room.closed and not was_closed:
                pipe.srem(OPEN, code)
            for session_id in set(room.participants) - before:
                _index(pipe, session_id, code)
            for session_id in before - set(room.participants):
                pipe.srem(session_key(session_id), code)
                pipe.hdel(online_key(code), session_id)
            return room, result

        return self._transact(body)

    def online(self, code: str, session_id: str, delta: int) -> None:
        with answering():
            self.count(keys=[online_key(code)], args=[session_id, delta, INDEX_S])

    def close(self) -> None:
        self.client.close()


def _index(pipe: Pipeline, session_id: str, code: str) -> None:
    pipe.sadd(session_key(session_id), code)
    pipe.expire(session_key(session_id), INDEX_S)



def _watch(pipe: Pipeline, *keys: str) -> None:
    pipe.watch(*keys)  # type: ignore[no-untyped-call]  # redis-py leaves Pipeline.watch untyped
