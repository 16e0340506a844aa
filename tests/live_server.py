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
    # Like `serve`: proxy headers only from the app's CNNPG_TRUSTED_PROXIES (uvicorn's own
    # default would trust 127.0.0.1, every test's peer).
    # (An app wrapped in test middleware has no state: nothing trusted.)
    services = getattr(getattr(app, "state", None), "services", None)
    trusted = services.settings.trusted_proxies if services else []
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning", ws_per_message_deflate=False,
                                           ws_max_size=WS_MAX_BYTES,
                                           forwarded_allow_ips=trusted))
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
