"""Debian's real nginx on 127.0.0.1, running the shipped deploy/nginx.conf with the replicas
as a local upstream group, for the scale-out benchmarks (tests/api/test_load_balancer.py
runs the same file for the tests, which a bench may not import)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress

from bench.harness import ROOT, free_port

NGINX = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")

# What Docker's setting names, and this machine's in its place
REPLACED = ("listen 80;", "set $api http://api:8000;", "resolver 127.0.0.11 valid=10s ipv6=off;")


def config(port: int, replicas: Sequence[str]) -> str:
    """deploy/nginx.conf with a loopback port and the replicas (host:port) as `api`."""
    text = (ROOT / "deploy" / "nginx.conf").read_text()
    group = "upstream api { " + " ".join(f"server {r};" for r in replicas) + " }"
    for old, new in zip(REPLACED, (f"listen 127.0.0.1:{port};", "set $api http://api;", group),
                        strict=True):
        if text.count(old) != 1:
            raise RuntimeError(f"deploy/nginx.conf changed: {old!r} is not there once")
        text = text.replace(old, new)
    return text


@contextmanager
def running_nginx(replicas: Sequence[str], startup_timeout: float = 20.0) -> Iterator[str]:
    """Start nginx in front of `replicas` (base URLs); yield its base URL; stop it."""
    if NGINX is None:
        raise RuntimeError("nginx is not installed (make system-deps, or apt-get install nginx)")
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="cnnpg-bench-nginx-") as folder:
        path = f"{folder}/nginx.conf"
        with open(path, "w") as out:
            out.write(config(port, [r.removeprefix("http://") for r in replicas]))
        log = open(f"{folder}/stderr", "w+b")  # noqa: SIM115 (closed below, after nginx)
        process = subprocess.Popen(
            [NGINX, "-c", path, "-p", folder, "-g", f"daemon off; pid {folder}/nginx.pid;"],
            stdout=subprocess.DEVNULL, stderr=log)
        try:
            deadline = time.monotonic() + startup_timeout
            while not _listening(port):
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise RuntimeError(f"nginx did not listen on port {port}: "
                                       f"{log.read()[-2000:].decode(errors='replace')}")
                time.sleep(0.05)
            yield f"http://127.0.0.1:{port}"
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=20)
            log.close()


def _listening(port: int) -> bool:
    with suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
        return True
    return False
