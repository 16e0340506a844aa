"""What Redis keeps of each run, so a viewer on any replica gets the whole history.

Keys of run `<id>` (all expire `retention_s` after the run ends):

- `cnnpg:run:<id>` (hash): `record`, what the run is (request, network, owner, replica);
  after a Redis outage also `state`, the run's whole state rewritten by its replica.
- `cnnpg:run:<id>:log` (stream): every light event except steps (status, queue, epoch...).
- `cnnpg:run:<id>:steps` (stream): step events, the newest ~4,000 (as many as a run keeps).
- `cnnpg:run:<id>:heavy` (hash): the latest heavy frame of each kind (maps, filters...).
- `cnnpg:owner:<session>` (set): the session's run ids (its run list on any replica).

Values are msgpack (binary frames stay bytes, not base64). Nothing here is ever unpickled.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import msgpack  # type: ignore[import-untyped]
import numpy as np
import redis

STEPS_KEPT = 4000
FINAL = ("finished", "stopped", "failed")


def _plain(value: Any) -> Any:
    """numpy scalars and arrays (a worker's metrics) as plain numbers and lists."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"cannot send {type(value).__name__} between replicas")


def pack(value: Any) -> bytes:
    return bytes(msgpack.packb(value, use_bin_type=True, default=_plain))


def unpack(data: bytes) -> Any:
    return msgpack.unpackb(data, raw=False, strict_map_key=False)


def key(run_id: str, part: str = "") -> str:
    return f"cnnpg:run:{run_id}" + (f":{part}" if part else "")


@dataclass
class Stored:
    """One run as Redis holds it (or what was added since a former read): what
    `RunLog.read` returns. `since` is where the next read starts."""

    record: dict[str, Any] | None
    generation: int = 0  # bumped by write_state: a reader that was behind starts over
    state: dict[str, Any] | None = None
    events: list[dict[str, Any]] = field(default_factory=list)  # log + steps, seq order
    heavy: dict[str, dict[str, Any]] = field(default_factory=dict)
    since: tuple[str, str] = ("-", "-")  # the last log and steps entry ids read


class RunLog:
    def __init__(self, client: redis.Redis, retention_s: float):
        self.client = client
        self.retention_s = max(1, int(retention_s))

    def record_event(self, pipe: Any, run_id: str, event: dict[str, Any],
                     heavy: bool) -> None:
        """Queue on `pipe` the writes that keep one published event."""
        if heavy:
            pipe.hset(key(run_id, "heavy"), str(event.get("type")), pack(event))
        elif event.get("type") == "step":
            pipe.xadd(key(run_id, "steps"), {"e": pack(event)}, maxlen=STEPS_KEPT,
                      approximate=True)
        else:
            pipe.xadd(key(run_id, "log"), {"e": pack(event)})
        if event.get("type") == "status" and event.get("status") in FINAL:
            self.expire(pipe, run_id)

    def expire(self, pipe: Any, run_id: str) -> None:
        for part in ("", "log", "steps", "heavy"):
            pipe.expire(key(run_id, part), self.retention_s)

    def write_record(self, pipe: Any, run_id: str, owner: str,
                     record: dict[str, Any]) -> None:
        pipe.hset(key(run_id), "record", pack(record))
        if owner:
            pipe.sadd(f"cnnpg:owner:{owner}", run_id)
            pipe.expire(f"cnnpg:owner:{owner}", self.retention_s + 86400)

    def write_state(self, pipe: Any, run_id: str, record: dict[str, Any],
                    state: dict[str, Any], heavy: dict[str, dict[str, Any]],
                    final: bool) -> None:
        """The whole run again (after Redis lost what was sent meanwhile): the older
        events go, later ones append to the state."""
        pipe.delete(key(run_id, "log"), key(run_id, "steps"), key(run_id, "heavy"))
        pipe.hset(key(run_id), mapping={"record": pack(record), "state": pack(state)})
        pipe.hincrby(key(run_id), "generation", 1)
        for kind, event in heavy.items():
            pipe.hset(key(run_id, "heavy"), kind, pack(event))
        if final:
            self.expire(pipe, run_id)

    def read(self, run_id: str, since: tuple[str, str] | None = None,
             heavy: bool = True) -> Stored | None:
        """Everything kept of a run, in one round trip and one consistent moment; or with
        `since` (a former read's), only the generation and the events added after it.
        None when Redis has no such run."""
        pipe = self.client.pipeline(transaction=True)
        if since is None:
            pipe.hgetall(key(run_id))
        else:
            pipe.hmget(key(run_id), ["generation", "record"])
        log_from, steps_from = (f"({i}" if i != "-" else "-" for i in since or ("-", "-"))
        pipe.xrange(key(run_id, "log"), min=log_from)
        pipe.xrange(key(run_id, "steps"), min=steps_from)
        if heavy:
            pipe.hgetall(key(run_id, "heavy"))
        head, log, steps, *frames = pipe.execute()
        if since is not None:
            if head[1] is None:
                return None
            head = {b"generation": head[0] or b"0"}
        elif b"record" not in head:
            return None
        events = [unpack(fields[b"e"]) for _, fields in (*log, *steps)]
        events.sort(key=lambda event: int(event.get("seq", 0)))
        last = (log[-1][0].decode() if log else (since or ("-", "-"))[0],
                steps[-1][0].decode() if steps else (since or ("-", "-"))[1])
        return Stored(record=unpack(head[b"record"]) if b"record" in head else None,
                      generation=int(head.get(b"generation") or 0),
                      state=unpack(head[b"state"]) if b"state" in head else None,
                      events=events, since=last,
                      heavy={k.decode(): unpack(v) for k, v in (frames[0] if frames
                                                                 else {}).items()})

    def owned(self, owner: str) -> list[str]:
        members: set[bytes] = self.client.smembers(f"cnnpg:owner:{owner}")  # type: ignore[assignment]
        return sorted(m.decode() for m in members)

    def forget(self, pipe: Any, run_id: str, owner: str) -> None:
        pipe.delete(*(key(run_id, part) for part in ("", "log", "steps", "heavy")))
        if owner:
            pipe.srem(f"cnnpg:owner:{owner}", run_id)
