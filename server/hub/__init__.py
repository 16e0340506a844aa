"""Event fan-out: the in-memory hub (`memory`); a Redis hub will sit beside it."""

from __future__ import annotations

from server.hub.memory import MARKER, Event, Hub, Subscriber

__all__ = ["MARKER", "Event", "Hub", "Subscriber"]
