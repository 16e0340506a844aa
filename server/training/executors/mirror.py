"""Runs of other replicas, mirrored from what Redis keeps of them (server/hub/run_log.py).

A mirror is a `Run` built from the run's record and folded forward with its kept events
(`Run.fold`, the code the owning replica runs). It is kept, and each lookup reads only the
events added since the last one: a viewer's access check every second, or a page polling
`GET /api/runs/{id}`, costs one round trip and a few events, not the whole history. When
the owning replica rewrote the run whole (after a Redis outage: its `generation` moved on)
the mirror starts over.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from dataclasses import dataclass
from typing import Any

import redis

from server.errors import Unavailable
from server.hub.redis import RedisHub
from server.hub.run_log import Stored
from server.nn.spec import NetworkSpec
from server.training.runs import BINARY, Run
from server.training.spec import RunRequest

STATE = ("status", "created", "started", "ended", "epoch", "step", "latest", "epochs",
         "message", "model_id", "device", "notes", "note_details", "seq", "queue", "result",
         "threads", "first_step", "bound")
# `find` answers from a mirror refreshed this recently without asking Redis: every viewer
# on a replica checks its access once a second, and with 100 viewers those reads were
# two thirds of Redis's work in bench/fanout_replicas.py. Snapshots are always fresh.
FRESH_S = 0.5
UNREACHABLE = ("Redis (CNNPG_REDIS_URL) does not answer, so runs started on other API "
               "replicas cannot be read now; try again in a few seconds")
GONE = {"local": "the API replica that ran it stopped, and its training with it; start it "
                 "again",
        "ray": "the API replica that followed it stopped, so its live view ends here; it "
               "trains on in the Ray cluster and its model appears in your models when it "
               "ends"}


def state(run: Run) -> dict[str, Any]:
    """What `write_state` keeps of a run: every field a mirror cannot rebuild from events."""
    return {**{name: getattr(run, name) for name in STATE}, "steps": list(run.steps)}


@dataclass(eq=False)
class Mirror:
    run: Run
    origin: str
    generation: int
    since: tuple[str, str]
    light_seq: int  # the last light event folded (heavy frames come apart, out of order)
    executor: str = "local"  # where it trains: "ray" goes on when its replica is gone
    read_at: float = 0.0  # time.monotonic() of the last refresh


class Mirrors:
    def __init__(self, hub: RedisHub, keep: int = 1000):
        self.hub, self.keep = hub, keep
        self._mirrors: OrderedDict[str, Mirror] = OrderedDict()
        self._lock = threading.Lock()  # one refresh at a time; mirrors change under it

    def find(self, run_id: str) -> tuple[Run, str] | None:
        """The run as its replica last told Redis, and that replica; None if unknown."""
        with self._lock:
            mirror = self._mirrors.get(run_id)
            if mirror is None or time.monotonic() - mirror.read_at > FRESH_S:
                mirror = self._refresh(run_id, heavy=False)
            return None if mirror is None else (mirror.run, mirror.origin)

    def snapshot(self, run_id: str, viewer: str | None) -> tuple[
            dict[str, Any], list[dict[str, Any]]] | None:
        with self._lock:  # a refresh would change the run while it is copied
            mirror = self._refresh(run_id, heavy=True)
            if mirror is None:
                return None
            run = mirror.run
            return run.snapshot(viewer), [e for k, e in run.heavy.items() if k in BINARY]

    def _refresh(self, run_id: str, heavy: bool) -> Mirror | None:
        try:
            mirror = self._mirrors.get(run_id)
            stored = self.hub.log.read(run_id, mirror.since if mirror else None, heavy)
            if stored is not None and mirror is not None \
                    and stored.generation != mirror.generation:
                mirror, stored = None, self.hub.log.read(run_id, None, heavy)
            if stored is None:
                self._mirrors.pop(run_id, None)
                return None
            if mirror is None:
                mirror = self._build(run_id, stored)
            self._advance(mirror, stored)
            if not mirror.run.final and not self.hub.alive(mirror.origin):
                run = mirror.run
                how = GONE.get(str(mirror.executor), GONE["local"])
                run.status, run.ended, run.message = "failed", time.time(), how
        except (redis.RedisError, OSError) as exc:
            raise Unavailable(UNREACHABLE, ["run_id"]) from exc
        mirror.read_at = time.monotonic()
        self._mirrors[run_id] = mirror
        self._mirrors.move_to_end(run_id)
        while len(self._mirrors) > self.keep:
            self._mirrors.popitem(last=False)
        return mirror

    @staticmethod
    def _build(run_id: str, stored: Stored) -> Mirror:
        rec = stored.record
        assert rec is not None  # a full read has it
        run = Run(id=run_id, request=RunRequest.model_validate(rec["request"]),
                  spec=NetworkSpec.model_validate(rec["spec"]),
                  network_name=rec["network_name"], owner=rec["owner"],
                  created=rec["created"], estimate_bytes=rec["estimate_bytes"])
        if stored.state is not None:
            for name in STATE:  # a state written before a field existed keeps its default
                setattr(run, name, stored.state.get(name, getattr(run, name)))
            run.steps = deque(stored.state["steps"], maxlen=run.steps.maxlen)
        return Mirror(run, str(rec["origin"]), stored.generation, ("-", "-"), run.seq,
                      str(rec.get("executor", "local")))

    @staticmethod
    def _advance(mirror: Mirror, stored: Stored) -> None:
        run = mirror.run
        for event in stored.events:
            if int(event["seq"]) > mirror.light_seq:
                run.fold(event)
                mirror.light_seq = int(event["seq"])
        for kind, event in stored.heavy.items():
            kept = run.heavy.get(kind)
            if kept is None or int(event["seq"]) > int(kept["seq"]):
                run.heavy[kind] = event
        run.seq = max([mirror.light_seq, *(int(e["seq"]) for e in run.heavy.values())])
        mirror.since = stored.since
