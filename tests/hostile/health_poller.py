"""Polls GET /api/health in a process of its own (so the test client's work cannot delay
the measurement) until its stdin is closed, appending one line per answer to a file:
"<monotonic start> <milliseconds> <status>". Run as a script: health_poller.py host:port file."""

from __future__ import annotations

import http.client
import select
import sys
import time

INTERVAL = 0.05


def poll(host: str, path: str) -> None:
    connection = http.client.HTTPConnection(host, timeout=30)
    with open(path, "a", buffering=1) as out:  # line-buffered: readable while polling
        while not select.select([sys.stdin], [], [], INTERVAL)[0]:
            started = time.monotonic()
            try:
                connection.request("GET", "/api/health")
                answer = connection.getresponse()
                answer.read()
                status = answer.status
            except (OSError, http.client.HTTPException):
                connection.close()  # the next request opens a new connection
                status = 0
            out.write(f"{started:.6f} {(time.monotonic() - started) * 1000:.3f} {status}\n")


if __name__ == "__main__":
    poll(sys.argv[1], sys.argv[2])
