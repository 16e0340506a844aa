"""Runs seen from every API replica (CNNPG_REDIS_URL; docs/scale-out.md).

`SharedRuns` wraps this replica's executor (local pool or Ray) and implements the same
Protocol. A run lives in the replica that accepted it; its events go through the Redis hub,
which also keeps them (server/hub/run_log.py). Another replica answers for it from there:

- `get`, `snapshot`, `list`, `queue_position`: a mirror, the run's record with its kept
  events folded in (`Run.fold`, the same code the owning replica runs).
- `command`, `probe`, `checkpoint`, `prioritize`: asked of the owning replica through
  Redis (`RedisHub.call`), which answers with the result or the error (same status).
- A run whose replica stopped (its heartbeat key expired) reads as `failed`, with why.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import redis

from server.errors import InvalidInput, NotFound, PlaygroundError, Unavailable
from server.hub.redis import RedisHub
from server.nn.spec import NetworkSpec
from server.training.executor import Executor, PoolState
from server.training.executors.mirror import UNREACHABLE, Mirrors, state
from server.training.runs import Run
from server.training.spec import RunRequest

log = logging.getLogger(__name__)


class RemoteError(PlaygroundError):
    """An error raised on the replica that runs the run, with its status and kind."""

    def __init__(self, error: dict[str, Any]):
        super().__init__(str(error.get("msg")), list(error.get("loc") or []),
                         status=int(error.get("status", 503)))
        self.kind = str(error.get("kind", "unavailable"))


def record(run: Run, origin: str, executor: str) -> dict[str, Any]:
    return {"id": run.id, "executor": executor, "request": run.request.model_dump(mode="json"),
            "spec": run.spec.model_dump(mode="json"), "network_name": run.network_name,
            "owner": run.owner, "created": run.created, "origin": origin,
            "estimate_bytes": run.estimate_bytes}


class SharedRuns:
    def __init__(self, inner: Executor, hub: RedisHub, lock: Any, kind: str = "local"):
        """lock: the inner executor's lock (events are folded and published under it);
        kind: CNNPG_EXECUTOR (a Ray run trains on when its replica is gone)."""
        self.inner, self.hub, self.lock, self.kind = inner, hub, lock, kind
        self.mirrors = Mirrors(hub)
        hub.handler = self._answer
        hub.on_reconnect.append(self.resync)

    # -- runs of this replica, or mirrors of the others' ------------------------------
    def submit(self, request: RunRequest, spec: NetworkSpec, network_name: str,
               owner: str = "", estimate_bytes: int = 0) -> Run:
        run = self.inner.submit(request, spec, network_name, owner, estimate_bytes)
        described = record(run, self.hub.origin, self.kind)
        self.hub.send("log", lambda pipe: self.hub.log.write_record(pipe, run.id, owner,
                                                                    described))
        return run

    def get(self, run_id: str) -> Run:
        return self._find(run_id)[0]

    def _find(self, run_id: str) -> tuple[Run, str]:
        """The run and the replica that runs it."""
        try:
            return self.inner.get(run_id), self.hub.origin
        except NotFound:
            found = self.mirrors.find(run_id)
            if found is None:
                raise
            return found

    def snapshot(self, run_id: str, viewer: str | None = None) -> tuple[
            dict[str, Any], list[dict[str, Any]]]:
        try:
            return self.inner.snapshot(run_id, viewer)
        except NotFound:
            found = self.mirrors.snapshot(run_id, viewer)
            if found is None:
                raise
            return found

    def list(self, owner: str | None = None) -> list[Run]:
        here = self.inner.list(owner)
        if owner is None:
            return here
        known = {run.id for run in here}
        try:
            others = [r for r in self.hub.log.owned(owner) if r not in known]
        except (redis.RedisError, OSError) as exc:
            raise Unavailable(UNREACHABLE, ["run_id"]) from exc
        mirrors = [self.mirrors.find(run_id) for run_id in others]
        return here + [found[0] for found in mirrors if found is not None]

    def queue_position(self, run_id: str) -> dict[str, Any] | None:
        run, origin = self._find(run_id)
        if origin == self.hub.origin:
            return self.inner.queue_position(run_id)
        return run.queue

    # -- commands: here, or asked of the run's replica --------------------------------
    def command(self, run_id: str, op: str, value: float | None = None) -> Run:
        if self._remote(run_id, "command", {"run_id": run_id, "op": op, "value": value}):
            return self.get(run_id)
        return self.inner.command(run_id, op, value)

    def probe(self, run_id: str, command: dict[str, Any]) -> None:
        sent = dict(command)
        if "pixels" in sent:  # uploads live in the replica that took them: send the pixels
            pixels = np.ascontiguousarray(sent.pop("pixels"), dtype=np.uint8)
            sent["pixels"] = {"shape": list(pixels.shape), "bytes": pixels.tobytes()}
        if not self._remote(run_id, "probe", {"run_id": run_id, "command": sent}):
            self.inner.probe(run_id, command)

    def checkpoint(self, run_id: str, owner: str, name: str, timeout: float = 30.0,
                   point: int | None = None) -> dict[str, Any]:
        args = {"run_id": run_id, "owner": owner, "name": name, "timeout": timeout,
                "point": point}
        answer = self._remote(run_id, "checkpoint", args, timeout + 5)
        if answer:
            return dict(answer["result"])
        return self.inner.checkpoint(run_id, owner, name, timeout, point)

    def prioritize(self, run_id: str) -> None:
        if not self._remote(run_id, "prioritize", {"run_id": run_id}):
            self.inner.prioritize(run_id)

    def _remote(self, run_id: str, method: str, args: dict[str, Any],
                timeout: float = 10.0) -> dict[str, Any] | None:
        """None when the run is this replica's; else the owning replica's answer."""
        _, origin = self._find(run_id)
        if origin == self.hub.origin:
            return None
        try:
            answer = self.hub.call(origin, method, args, timeout)
        except (redis.RedisError, OSError) as exc:
            raise Unavailable(UNREACHABLE, ["run_id"]) from exc
        if "error" in answer:
            raise RemoteError(answer["error"])
        return dict(answer)

    def _answer(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        """Another replica's call, on a hub thread: the result, or the error to raise."""
        try:
            run_id = str(args["run_id"]) if "run_id" in args else ""
            if method == "command":
                self.inner.command(run_id, str(args["op"]), args.get("value"))
                return {"ok": True}
            if method == "probe":
                command = dict(args["command"])
                if isinstance(command.get("pixels"), dict):
                    raw = command["pixels"]
                    command["pixels"] = np.frombuffer(raw["bytes"], np.uint8).reshape(
                        raw["shape"])
                self.inner.probe(run_id, command)
                return {"ok": True}
            if method == "checkpoint":
                point = args.get("point")
                return {"result": self.inner.checkpoint(
                    run_id, str(args["owner"]), str(args["name"]), float(args["timeout"]),
                    None if point is None else int(point))}
            if method == "prioritize":
                self.inner.prioritize(run_id)
                return {"ok": True}
            if method == "forget_owner":
                return {"result": self.inner.forget_owner(str(args["owner"]))}
            raise InvalidInput(f"unknown call {method!r} between replicas", ["method"])
        except PlaygroundError as exc:
            return {"error": {"status": exc.status, "kind": exc.kind, "msg": exc.msg,
                              "loc": list(exc.loc)}}
        except Exception as exc:  # answered, never left to time out
            log.exception("a call from another replica failed")
            return {"error": {"status": 503, "msg": f"its replica failed: {exc}"}}

    # -- this replica's engine ---------------------------------------------------------
    def admit(self, estimate_bytes: int, device: str) -> None:
        self.inner.admit(estimate_bytes, device)

    def pool_state(self) -> PoolState:
        return self.inner.pool_state()

    def prune(self, before: float) -> Any:
        return self.inner.prune(before)  # Redis lets them expire (run_log.RunLog.expire)

    def forget_owner(self, owner: str) -> int:
        count = self.inner.forget_owner(owner)
        try:
            others = {self._find(run_id)[1] for run_id in self.hub.log.owned(owner)}
        except (redis.RedisError, OSError, PlaygroundError):
            return count
        for origin in others - {self.hub.origin}:
            answer = self.hub.call(origin, "forget_owner", {"owner": owner})
            count += int(answer.get("result", 0))
        return count

    def resync(self) -> None:
        """Redis is back: write every run of this replica again, whole (what was sent
        while it was away is lost). Under the executor's lock, so no event falls between
        the state and the events after it."""
        for run in self.inner.list():
            with self.lock:
                described, now = record(run, self.hub.origin, self.kind), state(run)
                heavy, final = dict(run.heavy), run.final
                self.hub.send("log", lambda pipe, r=run, d=described, s=now, h=heavy, f=final:
                              self.hub.log.write_state(pipe, r.id, d, s, h, f))
                self.hub.send("resync", f"run:{run.id}")  # its viewers elsewhere: read it anew
                if run.owner:
                    self.hub.send("log", lambda pipe, r=run, d=described:
                                  self.hub.log.write_record(pipe, r.id, r.owner, d))

    def shutdown(self) -> None:
        self.inner.shutdown()
        self.hub.close()
