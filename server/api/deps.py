"""Dependency aliases: handlers receive services, never module globals."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request, WebSocket

from server.classroom.sessions import Identity
from server.services import Services


# async: a plain function would cost each request a hop to a worker thread and back.
async def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def ws_services(websocket: WebSocket) -> Services:
    services: Services = websocket.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(_services)]


async def _identity(request: Request) -> Identity:
    """Set by the Sessions middleware on every request (a new session when none came)."""
    identity: Identity = request.state.identity
    return identity


def ws_identity(websocket: WebSocket) -> Identity:
    identity: Identity = websocket.state.identity
    return identity


IdentityDep = Annotated[Identity, Depends(_identity)]

# A room's teacher key, for scripts and other devices (docs/classroom.md).
TeacherKey = Annotated[str | None, Header(alias="X-Teacher-Key", max_length=200,
                                          description="the key shown once at creation")]
