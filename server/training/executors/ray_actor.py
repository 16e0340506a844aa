"""A warm Ray actor: the local pool's `Worker` (training/worker.py), hosted in a threaded
Ray actor instead of a spawned process.

The actor warms once (torch imported, built-in data mapped, one real step taken) and then
trains one run at a time for whichever API replica claimed it (`claim` is an actor method,
so two replicas never get the same actor). Commands arrive as actor calls and feed the
Worker's inbox; the Worker's messages go to the claiming replica's `ray.util.queue.Queue`,
tagged with the actor's name. After a run every replica subscribed to the pool hears
{"kind": "idle"}, so a replica whose runs wait for an actor learns it is free without
asking. A plain class: the pool wraps it with `ray.remote` (tests may call it directly).
"""

from __future__ import annotations

import os
import queue
import socket
import threading
from pathlib import Path
from typing import Any

# The folders a run reads or writes on the actor's node, and the setting that names each.
SHARED = {"models_dir": "CNNPG_MODELS_DIR", "presets_dir": "CNNPG_PRESETS_DIR",
          "datasets_dir": "CNNPG_DATASETS_DIR"}


def unseen_paths(paths: dict[str, str], expected: list[str]) -> str:
    """Why this node cannot serve runs ("" when it can): a folder the API replica sees
    (`expected`) that is missing here, as on a node without the shared filesystem."""
    for key in expected:
        folder = paths.get(key, "")
        if folder and not Path(folder).is_dir():
            return (f"the folder {folder} ({SHARED.get(key, key)}) is not on the Ray node "
                    f"{socket.gethostname()}: every node must see the models, presets and "
                    "datasets folders at the same path (a shared filesystem; see "
                    "docs/scale-out.md)")
    return ""


class Relay:
    """Where the hosted Worker's messages go: the claiming replica's queue, tagged with this
    actor's name. When that replica is gone (its queue died with it) the run's events are
    dropped and training goes on; the model is still saved."""

    def __init__(self, name: str):
        self.name = name
        self.target: Any = None
        self.kept: list[dict[str, Any]] = []  # messages while unclaimed (the warm-up's)

    def put(self, message: dict[str, Any]) -> None:
        target = self.target
        if target is None:
            self.kept.append(message)
            return
        try:
            target.put({**message, "actor": self.name}, timeout=30)
        except Exception:  # the replica (and its queue) is gone: nobody is listening
            self.target = None


class WarmActor:
    def __init__(self, name: str, number: int, paths: dict[str, str],
                 settings: dict[str, Any], expected: list[str]):
        self.name, self.number, self.paths = name, number, paths
        self.settings, self.expected = settings, expected
        self.lock = threading.Lock()
        self.relay = Relay(name)
        self.inbox: queue.Queue[dict[str, Any]] = queue.Queue()
        self.worker: Any = None
        self.ready: dict[str, Any] | None = None
        self.owner = ""  # the replica whose run this actor trains ("" when free)
        self.subscribers: dict[str, Any] = {}  # replica id -> its event queue

    def warm(self) -> dict[str, Any]:
        """Warm once; every later call (other replicas, replacements) gets the same answer
        plus who holds the actor now. A node that lacks a shared folder answers "retire"."""
        with self.lock:
            if self.ready is None:
                self.ready = self._warm()
            return {**self.ready, "owner": self.owner}

    def _warm(self) -> dict[str, Any]:
        missing = unseen_paths(self.paths, self.expected)
        if missing:
            return {"kind": "retire", "reason": missing}
        import torch

        from server.training.worker import Worker

        torch.set_num_threads(1)
        self.worker = Worker(self.number, self.paths, self.relay, self.settings)
        self.worker.warm()
        ready = next(m for m in self.relay.kept if m.get("kind") == "ready")
        self.relay.kept.clear()
        return {**ready, "node": socket.gethostname(), "pid": os.getpid()}

    def subscribe(self, replica: str, events: Any) -> None:
        with self.lock:
            self.subscribers[replica] = events

    def claim(self, replica: str) -> bool:
        """Atomically take this actor for one of `replica`'s runs (False: someone has it)."""
        with self.lock:
            if self.owner or self.worker is None:
                return False
            self.owner = replica
            return True

    def command(self, command: dict[str, Any]) -> None:
        self.inbox.put(command)

    def train(self, message: dict[str, Any]) -> bool:
        """One run, start to final status; False when this actor should be replaced."""
        with self.lock:
            replica = self.owner
            self.relay.target = self.subscribers.get(replica)
            others = [(r, q) for r, q in self.subscribers.items() if r != replica]
        self._tell_all(others, "taken")
        missing = unseen_paths(self.paths, self.expected)
        healthy = True
        if missing:
            self.relay.put({"kind": "run_event", "run_id": message["run_id"],
                            "event": {"type": "status", "status": "failed", "message": missing}})
        else:
            healthy = self.worker.train(message, self.inbox)
        while not self.inbox.empty():  # commands that came too late for this run
            self.inbox.get_nowait()
        with self.lock:
            self.owner = ""
            self.relay.target = None
            subscribers = list(self.subscribers.items())
        if healthy:
            self._tell_all(subscribers, "idle")
        return healthy

    def _tell_all(self, subscribers: list[tuple[str, Any]], kind: str) -> None:
        """{"kind": "taken"} to the other replicas when a run starts, {"kind": "idle"} to
        all when it ended; the run's own replica gets "idle" after the run's events (same
        queue, same sender), so it never hands this actor a run early."""
        for replica, events in subscribers:
            try:
                events.put({"kind": kind, "actor": self.name}, timeout=5)
            except Exception:  # that replica is gone
                with self.lock:
                    self.subscribers.pop(replica, None)
