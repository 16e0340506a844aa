"""Dependency aliases: handlers receive services, never module globals."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, WebSocket

from server.services import Services


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def ws_services(websocket: WebSocket) -> Services:
    services: Services = websocket.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(_services)]
