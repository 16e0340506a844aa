"""The three measurements of bench/predict.py, each interleaved with its baseline in the
same run: (a) single-image latency, (b) batch throughput, (c) concurrent single requests."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from bench.predict_client import (
    Connection,
    Digits,
    batch_body,
    batch_x,
    forward_ms,
    single_body,
)

WARMUP = 20


def nothing() -> None:
    """No settling between calls (bench/settle.py's Settle is the other choice)."""


@dataclass
class Single:
    """(a): milliseconds per request (ours, floor) and per bare forward, same run."""

    ours: list[float] = field(default_factory=list)
    floor: list[float] = field(default_factory=list)
    bare: list[float] = field(default_factory=list)
    server_ms: list[float] = field(default_factory=list)  # the answers' time_ms
    correct: int = 0  # top-1 equals the MNIST label
    agree: int = 0  # top-1 equals the bare model's argmax
    connections: int = 0  # sockets the client opened for ours (1: one keep-alive connection)
    example: dict[str, Any] = field(default_factory=dict)


def single(ours: str, floor: str | None, model_id: str, model: nn.Module, digits: Digits,
           requests: int, top_k: int = 5, settle: Callable[[], None] = nothing) -> Single:
    path = f"/api/models/{model_id}/predict?top_k={top_k}"
    bodies = [single_body(digits, i) for i in range(len(digits))]
    with torch.inference_mode():
        with_bare = [int(model(digits.x[i:i + 1]).argmax()) for i in range(len(digits))]
    out = Single()
    c_ours = Connection(ours)
    c_floor = Connection(floor) if floor else None
    try:
        for w in range(WARMUP):
            c_ours.post(path, *bodies[w % len(bodies)])
            if c_floor:
                c_floor.post("/predict", *bodies[w % len(bodies)])
            forward_ms(model, digits.x[w:w + 1])

        def run_ours(i: int) -> None:
            ms, answer = c_ours.timed_post(path, *bodies[i])
            out.ours.append(ms)
            if "time_ms" in answer:
                out.server_ms.append(float(answer["time_ms"]))
            top = int(answer["predictions"][0]["index"])
            out.correct += top == int(digits.labels[i])
            out.agree += top == with_bare[i]
            if not out.example:
                out.example = answer

        def run_floor(i: int) -> None:
            assert c_floor is not None
            out.floor.append(c_floor.timed_post("/predict", *bodies[i])[0])

        def run_bare(i: int) -> None:
            out.bare.append(forward_ms(model, digits.x[i:i + 1]))

        sides = [run_ours, run_bare] + ([run_floor] if c_floor else [])
        for r in range(requests):
            i = r % len(digits)
            for side in sides if r % 2 == 0 else sides[::-1]:
                settle()
                side(i)
        out.connections = c_ours.opened
    finally:
        c_ours.close()
        if c_floor:
            c_floor.close()
    return out


@dataclass
class Batch:
    """(b): milliseconds per batch of `size` images, same run."""

    size: int
    ours: list[float] = field(default_factory=list)
    floor: list[float] = field(default_factory=list)
    bare: list[float] = field(default_factory=list)
    results: int = 0  # results in the last answer (== size)


def batch(ours: str, floor: str | None, model_id: str, model: nn.Module, digits: Digits,
          repeats: int, size: int = 64, settle: Callable[[], None] = nothing) -> Batch:
    path = f"/api/models/{model_id}/predict/batch"
    starts = [(r * size) % len(digits) for r in range(repeats)]
    bodies = {s: batch_body(digits, s, size) for s in set(starts)}
    xs = {s: batch_x(digits, s, size) for s in set(starts)}
    out = Batch(size)
    c_ours = Connection(ours)
    c_floor = Connection(floor) if floor else None
    try:
        for s in starts[:3]:
            c_ours.post(path, *bodies[s])
            if c_floor:
                c_floor.post("/predict/batch", *bodies[s])
            forward_ms(model, xs[s])

        def run_ours(s: int) -> None:
            ms, answer = c_ours.timed_post(path, *bodies[s])
            out.ours.append(ms)
            out.results = len(answer["results"])

        def run_floor(s: int) -> None:
            assert c_floor is not None
            out.floor.append(c_floor.timed_post("/predict/batch", *bodies[s])[0])

        def run_bare(s: int) -> None:
            out.bare.append(forward_ms(model, xs[s]))

        sides = [run_ours, run_bare] + ([run_floor] if c_floor else [])
        for r, s in enumerate(starts):
            for side in sides if r % 2 == 0 else sides[::-1]:
                settle()
                side(s)
    finally:
        c_ours.close()
        if c_floor:
            c_floor.close()
    return out


@dataclass
class Concurrent:
    """(c): per round and mode, images/s and the requests' latencies (ms)."""

    clients: int
    requests: int  # per round and mode
    rates: dict[str, list[float]] = field(default_factory=dict)
    latencies: dict[str, list[float]] = field(default_factory=dict)


def burst(base: str, path: str, bodies: list[tuple[bytes, str]], clients: int,
           requests: int) -> tuple[float, list[float]]:
    """`requests` single predictions from `clients` threads, one connection each (opened
    and warmed before the clock starts); (images/s, latencies in ms)."""
    conns = [Connection(base) for _ in range(clients)]
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors: list[BaseException] = []
    start = threading.Barrier(clients + 1)
    per = [requests // clients + (k < requests % clients) for k in range(clients)]

    def work(k: int) -> None:
        try:
            conns[k].post(path, *bodies[k % len(bodies)])  # open the socket, untimed
            start.wait()
            for j in range(per[k]):
                body = bodies[(k * 7919 + j) % len(bodies)]
                latencies[k].append(conns[k].timed_post(path, *body)[0])
        except BaseException as exc:  # reported after the join
            errors.append(exc)
            start.abort()

    threads = [threading.Thread(target=work, args=(k,), daemon=True) for k in range(clients)]
    for t in threads:
        t.start()
    try:
        start.wait()
        began = time.perf_counter()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - began
    except threading.BrokenBarrierError:
        for t in threads:
            t.join()
        elapsed = 0.0
    finally:
        for c in conns:
            c.close()
    if errors:
        raise errors[0]
    return requests / elapsed, [ms for lat in latencies for ms in lat]


def concurrent(ours: str, floor: str | None, model_id: str, digits: Digits, rounds: int,
               requests: int, clients: int = 8) -> Concurrent:
    """Rounds of: ours with one client, ours with `clients` clients, and (reference) the
    floor app with `clients` clients; the order rotates every round."""
    bodies = [single_body(digits, i) for i in range(len(digits))]
    ours_path = f"/api/models/{model_id}/predict?top_k=5"
    modes: dict[str, tuple[str, str, int]] = {
        "ours, 1 client": (ours, ours_path, 1),
        f"ours, {clients} clients": (ours, ours_path, clients)}
    if floor:
        modes[f"floor, {clients} clients"] = (floor, "/predict", clients)
    out = Concurrent(clients, requests, {m: [] for m in modes}, {m: [] for m in modes})
    names = list(modes)
    for r in range(rounds):
        shift = r % len(names)
        for name in names[shift:] + names[:shift]:
            base, path, n = modes[name]
            rate, lat = burst(base, path, bodies, n, requests)
            out.rates[name].append(rate)
            out.latencies[name].extend(lat)
    return out
