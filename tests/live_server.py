"""A real uvicorn server in a thread, for tests whose clients need real sockets (TCP
back-pressure, handshake headers). A plain module, like app_settings."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from fastapi import FastAPI

from server.config import WS_MAX_BYTES


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """Run `app` on 127.0.0.1 with the options of `cnn-playground serve`; yield host:port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning", ws_per_message_deflate=False,
                                           ws_max_size=WS_MAX_BYTES))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)  # waiting for the server's start-up
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
