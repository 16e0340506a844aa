"""Debian's real `redis-server` on 127.0.0.1 at a free port, in a temp folder of its own, for
the scale-out benchmarks (as tests/redis_server.py does for the tests, which a bench may
not import). No persistence: the benchmark's data goes with the folder."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from bench.harness import free_port

REDIS = shutil.which("redis-server") or "/usr/bin/redis-server"


def _answers(port: int) -> bool:
    """True when the server answers PING on the port."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@dataclass(frozen=True)
class Redis:
    url: str
    pid: int


@contextmanager
def redis_server(startup_timeout: float = 20.0) -> Iterator[Redis]:
    """Start redis-server; yield its URL and pid; stop it and delete its folder."""
    folder, port = tempfile.mkdtemp(prefix="cnnpg-bench-redis-"), free_port()
    process = subprocess.Popen(
        [REDIS, "--port", str(port), "--bind", "127.0.0.1", "--dir", folder,
         "--appendonly", "no", "--save", "", "--protected-mode", "yes",
         "--daemonize", "no", "--loglevel", "warning"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + startup_timeout
        while not _answers(port):
            if process.poll() is not None:
                raise RuntimeError(f"redis-server exited with {process.returncode} at start")
            if time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not answer in {startup_timeout:.0f} s")
            time.sleep(0.05)
        yield Redis(f"redis://127.0.0.1:{port}/0", process.pid)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)
