"""bench/fanout_replicas.py's figures: each viewer trial against the baseline beside it,
the delays per side (the run's replica, the other one) pooled over every reading viewer,
CPU per process, and Redis's own PUBLISH cost."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np

from bench.fanout_report import P99_TARGET_MS, RATIO_TARGET
from bench.kernels import table

SIDE_NAMES = {"own": "A (the run's replica)", "other": "B (through Redis)"}


class TrialLike(Protocol):
    viewers: int
    images_per_s: float
    run_s: float
    step_events: int
    connect_s: dict[str, float]
    cpu: dict[str, float]
    redis: dict[str, dict[str, float]]
    sides: dict[str, dict[str, Any]]


def _median(values: Sequence[float]) -> float:
    return float(np.median(values)) if values else float("nan")


def _side(side: str, trials: Sequence[TrialLike]) -> dict[str, Any]:
    rows = [t.sides[side] for t in trials if side in t.sides]
    delays = np.asarray([d for r in rows for d in r["delays_ms"]])
    steady = np.asarray([d for r in rows for d in r["steady_ms"]])
    messages = [(r["text"] + r["binary"]) / t.run_s for t, r in zip(trials, rows, strict=True)]
    return {
        "p50_ms": float(np.percentile(delays, 50)), "p99_ms": float(np.percentile(delays, 99)),
        "max_ms": float(delays.max()), "events": int(delays.size),
        "steady_p50_ms": float(np.percentile(steady, 50)) if steady.size else None,
        "steady_p99_ms": float(np.percentile(steady, 99)) if steady.size else None,
        "steady_events": int(steady.size),
        "p99_trials_ms": [r["p99_ms"] for r in rows],
        "missing": sum(r["missing"] for r in rows),
        "disordered": sum(r["disordered"] for r in rows),
        "no_snapshot": sum(r["no_snapshot"] for r in rows),
        "readers": sum(r["readers"] for r in rows),
        "dropped": max(r["dropped"] for r in rows),
        "readers_lost": sum(r["readers_lost"] for r in rows),
        "silent_closed": sum(r["silent_closed"] for r in rows),
        "silent": sum(r["silent"] for r in rows),
        "codes": sorted({c for r in rows for c in r["silent_codes"]}, key=str),
        "messages_per_s": _median(messages),  # sent to this side's readers, all together
        "mib_per_trial": _median([(r["text_bytes"] + r["binary_bytes"]) / 2**20 for r in rows]),
        "connect_s": max(t.connect_s.get(side, 0.0) for t in trials)}


def summarize(trials: Sequence[TrialLike], n: int) -> dict[str, Any]:
    pairs = [(a, b) if a.viewers else (b, a) for a, b in zip(trials[::2], trials[1::2],
                                                                strict=True)]
    mine = [v for v, _ in pairs]
    ratios = [v.images_per_s / b.images_per_s for v, b in pairs]
    cpu = {k: {"viewers": _median([v.cpu[k] for v in mine]),
               "baseline": _median([b.cpu[k] for _, b in pairs])} for k in mine[0].cpu}
    train_ratio = [v.images_per_s / v.cpu["train"] / (b.images_per_s / b.cpu["train"])
                   for v, b in pairs if v.cpu["train"] > 0 and b.cpu["train"] > 0]
    redis = {}
    for command in ("publish", "xadd", "hset"):
        calls = [t.redis.get(command, {}).get("calls", 0) for t in mine]
        usec = [t.redis.get(command, {}).get("usec", 0) for t in mine]
        redis[command] = {"calls_per_run": _median(calls),
                          "usec_per_call": sum(usec) / sum(calls) if sum(calls) else None}
    sides = {side: _side(side, mine) for side in SIDE_NAMES if any(side in t.sides
                                                                     for t in mine)}
    per_message = {}
    for side, key in (("own", "replica_a"), ("other", "replica_b")):
        extra = cpu[key]["viewers"] - cpu[key]["baseline"]
        if side in sides and sides[side]["messages_per_s"]:
            per_message[side] = extra / sides[side]["messages_per_s"] * 1e6  # µs
    return {"viewers": n, "pairs": len(pairs), "ratio": _median(ratios), "ratios": ratios,
            "pooled_ratio": sum(v.images_per_s for v in mine)
            / sum(b.images_per_s for _, b in pairs),
            "images_per_s": _median([v.images_per_s for v in mine]),
            "baseline_per_s": _median([b.images_per_s for _, b in pairs]),
            "train_cpu_ratio": _median(train_ratio), "cpu": cpu, "redis": redis,
            "sides": sides, "usec_per_message": per_message,
            "step_events": _median([t.step_events for t in mine]),
            "run_s": _median([t.run_s for t in mine])}


def _f(value: float | None, digits: int = 1) -> str:
    return "-" if value is None or value != value else f"{value:.{digits}f}"


def print_report(s: dict[str, Any], judged: bool) -> None:
    ratio_ok = s["ratio"] >= RATIO_TARGET
    print(f"\nthroughput, {s['viewers']} viewers / the baseline run beside it (no viewers), "
          f"{s['pairs']} pairs: {s['images_per_s']:.0f} / {s['baseline_per_s']:.0f} img/s "
          f"(medians); ratio {s['ratio']:.3f} (median; "
          f"{min(s['ratios']):.3f}-{max(s['ratios']):.3f}), pooled {s['pooled_ratio']:.3f}, "
          f"per train CPU-s {_f(s['train_cpu_ratio'], 3)}; target >= {RATIO_TARGET:.2f}: "
          + (("met" if ratio_ok else "MISSED") if judged else "- (quick)"))
    rows = []
    for side, r in s["sides"].items():
        ok = "met" if r["p99_ms"] < P99_TARGET_MS else "MISSED"
        rows.append([SIDE_NAMES[side], _f(r["p50_ms"]), _f(r["p99_ms"]), _f(r["max_ms"]),
                     f"{_f(r['steady_p50_ms'])} / {_f(r['steady_p99_ms'])}",
                     " ".join(f"{p:.0f}" for p in r["p99_trials_ms"] if p is not None),
                     str(r["events"]), f"{r['missing']} / {r['disordered']}",
                     str(r["dropped"]), str(r["readers_lost"]),
                     f"{r['silent_closed']}/{r['silent']} {r['codes']}",
                     f"{r['connect_s']:.2f}", ok if judged else "- (quick)"])
    print("\ndelay: the event's `time` (A folded it) -> receipt, every event every reading "
          "viewer got, pooled over the pairs; steady: events stamped over 2 s after all "
          "viewers connected")
    print(table(["viewers on", "p50 ms", "p99 ms", "max ms", "steady p50 / p99",
                 "p99 per run", "events",
                 "steps missed / readers out of order", "dropped", "readers cut off",
                 "silent closed (codes)", "connect s", f"p99 < {P99_TARGET_MS:.0f} ms"],
                rows))
    names = {"train": "training thread", "replica_a": "replica A", "replica_b": "replica B",
             "redis": "redis-server", "viewers_a": "viewers of A", "viewers_b": "viewers of B"}
    print("\nCPU, % of one core during the timed windows (medians)")
    print(table(["process", f"{s['viewers']} viewers", "baseline"],
                [[names[k], f"{v['viewers'] * 100:.1f}", f"{v['baseline'] * 100:.1f}"]
                 for k, v in s["cpu"].items()]))
    for side, r in s["sides"].items():
        print(f"  {SIDE_NAMES[side]}: {r['messages_per_s']:.0f} messages/s to its readers, "
              f"{r['mib_per_trial']:.1f} MiB a run; replica CPU per message "
              f"{_f(s['usec_per_message'].get(side))} µs (computed: extra CPU / messages)")
    print(f"  the run: {s['step_events']:.0f} step events, {s['run_s']:.1f} s running")
    print("redis (INFO commandstats, per viewer run, median): " + "; ".join(
        f"{k} {v['calls_per_run']:.0f} calls, {_f(v['usec_per_call'], 2)} µs/call"
        for k, v in s["redis"].items()))
    load = s.get("load")
    if load:
        print(f"load average: start {load['start'][0]:.2f}, end {load['end'][0]:.2f}")
