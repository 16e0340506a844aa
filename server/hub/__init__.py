"""Event fan-out: the in-memory hub (`memory`), and across API replicas the Redis hub
(`redis`, with what it keeps of runs in `run_log`), imported only when CNNPG_REDIS_URL is set."""

from __future__ import annotations

from server.hub.memory import MARKER, RESYNC, Event, Hub, Subscriber

__all__ = ["MARKER", "RESYNC", "Event", "Hub", "Subscriber"]
