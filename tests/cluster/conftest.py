"""A real local Ray cluster for the `cluster` tests: `ray start --head` on loopback with a
free port, two CPUs and a temp folder of its own, stopped at the end of the session with
every process it started (checked: none is left)."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

RAY = Path(sys.executable).parent / "ray"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def descendants(roots: set[int]) -> set[int]:
    """`roots` and every process below them (Ray's workers are the raylet's children)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1]
                                               .split()[1])
            except (OSError, IndexError, ValueError):
                continue
    found = set(roots)
    while True:
        more = {pid for pid, parent in parents.items() if parent in found} - found
        if not more:
            return found
        found |= more


def cluster_processes(temp: Path) -> set[int]:
    """This cluster's processes: those whose command line names its temp folder, and
    their children. Never another cluster's (other engineers run theirs here too)."""
    roots = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if str(temp).encode() in (entry / "cmdline").read_bytes():
                    roots.add(int(entry.name))
            except OSError:
                continue
    return {pid for pid in descendants(roots) if Path(f"/proc/{pid}").exists()}


def stop(temp: Path) -> set[int]:
    """SIGTERM, then SIGKILL what is still there after 5 s; the processes left (none)."""
    for sig, wait in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
        for pid in cluster_processes(temp):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
        deadline = time.monotonic() + wait
        while cluster_processes(temp) and time.monotonic() < deadline:
            time.sleep(0.1)
    return cluster_processes(temp)


def log_tails(temp: Path, lines: int = 15) -> str:
    """The last lines of each of Ray's own logs under `temp`: why a head did not start."""
    parts = []
    for log in sorted(temp.glob("session_*/logs/*")):
        if log.is_file() and log.suffix in {".err", ".out", ".log"} and log.stat().st_size:
            tail = log.read_text(errors="replace").splitlines()[-lines:]
            parts.append(f"--- {log.name}\n" + "\n".join(tail))
    return "\n".join(parts) or "(no Ray logs)"


def start_head(attempts: int = 3) -> tuple[Path, int]:
    """`ray start --head` on a fresh port and temp folder; on a loaded machine a head can
    fail to come up in Ray's own wait (the GCS is slow, or a port it picked is taken), so
    a failed start is stopped, cleaned and tried again. The last failure names Ray's
    output and log tails."""
    failures = []
    for _ in range(attempts):
        temp = Path(tempfile.mkdtemp(prefix="cnnpg-ray-", dir="/tmp"))  # short: unix sockets
        port = free_port()
        done = subprocess.run(
            [str(RAY), "start", "--head", f"--port={port}", "--num-cpus=2",
             "--include-dashboard=false", "--disable-usage-stats",
             "--object-store-memory=200000000",  # not 30 % of RAM, not /dev/shm-sized
             "--node-ip-address=127.0.0.1", f"--temp-dir={temp}"],
            capture_output=True, text=True, timeout=180, check=False)
        if done.returncode == 0:
            return temp, port
        failures.append(f"exit {done.returncode}\nstdout:\n{done.stdout[-3000:]}\n"
                        f"stderr:\n{done.stderr[-3000:]}\n{log_tails(temp)}")
        stop(temp)
        shutil.rmtree(temp, ignore_errors=True)
    raise RuntimeError("ray start --head failed " + str(attempts) + " times:\n"
                       + "\n=====\n".join(failures))


@pytest.fixture(scope="session")
def ray_address() -> Iterator[str]:
    """`host:port` of a local Ray head (2 CPUs) for the whole session."""
    import ray

    before = os.environ.get("RAY_AUTH_MODE")
    # No token auth on a loopback test cluster (a token left in ~/.ray by another cluster
    # would otherwise be demanded of this one's clients).
    os.environ["RAY_AUTH_MODE"] = "disabled"
    temp, port = start_head()
    try:
        yield f"127.0.0.1:{port}"
    finally:
        if ray.is_initialized():
            ray.shutdown()
        left = stop(temp)
        if before is None:
            os.environ.pop("RAY_AUTH_MODE", None)
        else:
            os.environ["RAY_AUTH_MODE"] = before
        assert not left, f"Ray processes left running: {sorted(left)}"
        shutil.rmtree(temp, ignore_errors=True)
