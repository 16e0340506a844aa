"""Checkpoints asked of a running worker: each request waits for the worker's answer."""

from __future__ import annotations

import secrets
import threading
from typing import Any

from server.errors import Conflict


class Checkpoints:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        # request id -> (run id, the event set when answered, the answer)
        self.pending: dict[str, tuple[str, threading.Event, dict[str, Any]]] = {}

    def expect(self, run_id: str) -> tuple[str, threading.Event]:
        request, waiter = secrets.token_hex(6), threading.Event()
        with self.lock:
            self.pending[request] = (run_id, waiter, {})
        return request, waiter

    def answer(self, event: dict[str, Any]) -> None:
        with self.lock:
            entry = self.pending.get(str(event.get("request")))
        if entry is not None:
            entry[2].update(event)
            entry[1].set()

    def abandon(self, run_id: str, status: str) -> None:
        """The run ended: every caller still waiting gets an error at once."""
        with self.lock:
            waiting = [e for e in self.pending.values() if e[0] == run_id]
        for _, waiter, answer in waiting:
            if not waiter.is_set():
                answer["error"] = f"the run {status} before the checkpoint was saved"
                waiter.set()

    def wait(self, request: str, waiter: threading.Event, timeout: float) -> dict[str, Any]:
        try:
            if not waiter.wait(timeout):
                raise Conflict(f"the run did not save the checkpoint within {timeout:g} s; "
                               "try again", ["run_id"])
            with self.lock:
                answer = dict(self.pending[request][2])
        finally:
            with self.lock:
                self.pending.pop(request, None)
        if "error" in answer:
            raise Conflict(f"the checkpoint could not be saved: {answer['error']}", ["run_id"])
        return {k: answer[k] for k in ("model_id", "epoch", "step")}
