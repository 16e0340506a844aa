"""Waiting, between two timed calls, until the threads that could take a core from the
next one have stopped.

torch's OpenMP threads (GNU libgomp) spin after every parallel region before they sleep:
measured here, 8-10 ms of CPU after one forward pass of 64 digits, on one of the 2 cores.
A benchmark that times the bare forward and then, at once, a request to the server, times
the server on one core while the bare side's thread spins on the other (and the bare
forward beside the server's spinning thread, the other way round). `Settle` waits until
the watched processes' other threads have used (almost) no CPU for one short window, so
each side starts as it would on a quiet machine.

CPU time is read from the kernel's CPU-time clocks (clock_gettime, nanoseconds, current
even for a thread running on another core at that moment): for this process, each thread's
but the caller's (it is the one measuring); for the watched processes, the whole process's.
(/proc's schedstat lags: a thread that spins without a context switch shows its time only at
the next scheduler tick.) Where the clocks cannot be read, nothing is waited.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Iterable

WINDOW = 0.001  # s: one look
BUSY = 0.1  # of the window: a thread spinning uses about all of it, a quiet one nothing
MOST = 0.05  # s: give up after this (counted as a timeout)


def thread_clock(tid: int) -> int:
    """Linux's CPU-time clock id of thread `tid` (of this process)."""
    return (~tid << 3) | 6  # CPUCLOCK_PERTHREAD_MASK | CPUCLOCK_SCHED


def process_clock(pid: int) -> int:
    """Linux's CPU-time clock id of process `pid` (clock_getcpuclockid)."""
    return (~pid << 3) | 2  # CPUCLOCK_SCHED


def own_threads_ns(skip: int) -> int:
    """CPU nanoseconds used so far by this process's threads but `skip`."""
    total = 0
    for tid in os.listdir("/proc/self/task"):
        if int(tid) != skip:
            with contextlib.suppress(OSError):  # the thread ended since the listing
                total += time.clock_gettime_ns(thread_clock(int(tid)))
    return total


def readable(pids: list[int]) -> bool:
    """The CPU-time clocks of this process's threads and of `pids` can be read here."""
    try:
        own_threads_ns(-1)
        for pid in pids:
            time.clock_gettime_ns(process_clock(pid))
    except (OSError, AttributeError):
        return False
    return True


class Settle:
    """settle(): wait until this process's other threads and the `others` processes have
    been quiet for one window (at most MOST seconds)."""

    def __init__(self, others: Iterable[int] = (), enabled: bool = True):
        self.others = list(others)
        self.enabled = enabled and readable(self.others)
        self.calls = 0
        self.waited = 0.0  # s, in all
        self.timeouts = 0

    def _cpu(self) -> int:
        total = own_threads_ns(threading.get_native_id())
        for pid in self.others:
            with contextlib.suppress(OSError):  # the process has ended
                total += time.clock_gettime_ns(process_clock(pid))
        return total

    def __call__(self) -> None:
        if not self.enabled:
            return
        self.calls += 1
        began = time.perf_counter()
        before, then = self._cpu(), began
        while True:
            time.sleep(WINDOW)
            now, at = self._cpu(), time.perf_counter()
            quiet = now - before < BUSY * (at - then) * 1e9
            spent = at - began
            if quiet or spent > MOST:
                self.timeouts += not quiet
                self.waited += spent
                return
            before, then = now, at

    def report(self) -> str:
        if not self.enabled:
            return "no settling between calls"
        mean = self.waited / self.calls * 1000 if self.calls else 0.0
        return (f"settled before each timed call: {self.calls} waits, {mean:.1f} ms on "
                f"average, {self.timeouts} gave up after {MOST * 1000:.0f} ms")
