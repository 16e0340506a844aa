"""bench/fanout.py's figures: each viewer trial against the baseline run beside it, the
delays pooled over every reading viewer, the server's memory."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np

from bench.kernels import table

RATIO_TARGET, P99_TARGET_MS = 0.90, 250.0


class TrialLike(Protocol):
    viewers: int
    images_per_s: float
    images_per_train_cpu_s: float | None
    reported: float
    connect_s: float
    rss_before_kib: int
    rss_peak_kib: int
    rss_after_kib: int
    server_cpu: float
    viewers_cpu: float
    p99_ms: float | None
    seen: dict[str, Any]


def _pairs(trials: Sequence[TrialLike]) -> list[tuple[TrialLike, TrialLike]]:
    """(viewer trial, its baseline): trials come in consecutive pairs."""
    out = []
    for a, b in zip(trials[::2], trials[1::2], strict=True):
        out.append((a, b) if a.viewers else (b, a))
    return out


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a and b else None


def _row(n: int, pairs: Sequence[tuple[TrialLike, TrialLike]]) -> dict[str, Any]:
    mine = [v for v, _ in pairs]
    ratios = [v.images_per_s / b.images_per_s for v, b in pairs]
    cpu = [r for r in (_ratio(v.images_per_train_cpu_s, b.images_per_train_cpu_s)
                       for v, b in pairs) if r is not None]
    delays = np.asarray([d for t in mine for d in t.seen["delays"]]) * 1000
    p99s = [t.p99_ms for t in mine if t.p99_ms is not None]
    return {
        "viewers": n, "silent": n // 10, "pairs": len(pairs),
        "images_per_s": float(np.median([t.images_per_s for t in mine])),
        "baseline_per_s": float(np.median([b.images_per_s for _, b in pairs])),
        "ratio": float(np.median(ratios)), "ratios": ratios,
        "pooled_ratio": sum(v.images_per_s for v, _ in pairs)
        / sum(b.images_per_s for _, b in pairs),
        "own_ratio": float(np.median([v.reported / b.reported for v, b in pairs])),
        "cpu_ratio": float(np.median(cpu)) if cpu else None,
        "p50_ms": float(np.percentile(delays, 50)) if delays.size else None,
        "p99_ms": float(np.percentile(delays, 99)) if delays.size else None,
        "max_ms": float(delays.max()) if delays.size else None,
        "p99_trials_ms": p99s, "events": int(delays.size),
        "dropped": max(t.seen["dropped"] for t in mine),
        "readers_lost": sum(t.seen["readers_lost"] for t in mine),
        "silent_closed": sum(t.seen["silent_closed"] for t in mine),
        "frames": sum(t.seen["binary"] for t in mine),
        "mib": sum(t.seen["binary_bytes"] + t.seen["text_bytes"] for t in mine) / 2**20,
        "connect_s": max(t.connect_s for t in mine),
        "server_cpu": float(np.median([t.server_cpu for t in mine])),
        "baseline_server_cpu": float(np.median([b.server_cpu for _, b in pairs])),
        "viewers_cpu": float(np.median([t.viewers_cpu for t in mine])),
        "rss_peak_mib": max(t.rss_peak_kib for t in mine) / 1024}


def summarize(trials: Sequence[TrialLike], viewers: Sequence[int]) -> dict[str, Any]:
    pairs = _pairs(trials)
    return {"rows": [_row(n, [p for p in pairs if p[0].viewers == n]) for n in viewers],
            "rss_start_mib": trials[0].rss_before_kib / 1024,
            "rss_after_mib": [t.rss_after_kib / 1024 for t in trials],
            "rss_growth_mib": (trials[-1].rss_after_kib - trials[0].rss_after_kib) / 1024}


def _f(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def print_report(trials: Sequence[TrialLike], summary: dict[str, Any], hwm_kib: int,
                 judged: bool) -> None:
    rows = []
    for r in summary["rows"]:
        ratio_ok = r["ratio"] >= RATIO_TARGET
        delay_ok = r["p99_ms"] is not None and r["p99_ms"] < P99_TARGET_MS
        verdict = (f"{'met' if ratio_ok else 'MISSED'} / {'met' if delay_ok else 'MISSED'}"
                   if judged else "- (quick)")
        rows.append([
            f"{r['viewers']} ({r['silent']} silent)", str(r["pairs"]),
            f"{r['images_per_s']:.0f} / {r['baseline_per_s']:.0f}",
            f"{r['ratio']:.3f} ({min(r['ratios']):.3f}-{max(r['ratios']):.3f})",
            f"{r['pooled_ratio']:.3f}", _f(r["cpu_ratio"], 3), _f(r["p50_ms"]),
            _f(r["p99_ms"]), _f(r["max_ms"]), str(r["events"]), str(r["dropped"]),
            f"{r['silent_closed']}/{r['silent'] * r['pairs']}", verdict])
    print("\nthroughput: N viewers / the baseline run beside it (no viewers); delay: event "
          "creation -> receipt, every event every reading viewer got")
    print(table(["viewers", "pairs", "img/s (median)", "ratio: median (range)", "pooled",
                 "per train CPU-s", "p50 ms", "p99 ms", "max ms", "events", "dropped",
                 "silent closed", "target (ratio >= 0.90 / p99 < 250 ms)"], rows))
    print("\nCPU, % of one core during the windows (median), and what the readers received")
    print(table(["viewers", "server", "server, baseline", "viewers' process", "binary frames",
                 "MiB received", "connect all s", "peak server RSS MiB"],
                [[str(r["viewers"]), f"{r['server_cpu'] * 100:.1f}",
                  f"{r['baseline_server_cpu'] * 100:.1f}", f"{r['viewers_cpu'] * 100:.1f}",
                  str(r["frames"]), f"{r['mib']:.1f}", f"{r['connect_s']:.2f}",
                  f"{r['rss_peak_mib']:.1f}"] for r in summary["rows"]]))
    for r in summary["rows"]:
        lost = f"; readers cut off: {r['readers_lost']}" if r["readers_lost"] else ""
        print(f"  {r['viewers']} viewers: p99 per run (ms) "
              + " ".join(f"{p:.0f}" for p in r["p99_trials_ms"]) + lost)
    after = " ".join(f"{m:.1f}" for m in summary["rss_after_mib"])
    print(f"server RSS: {summary['rss_start_mib']:.1f} MiB before the first run; after each "
          f"run (MiB; viewers {' '.join(str(t.viewers) for t in trials)}): {after}")
    print(f"growth from the first run to the last: {summary['rss_growth_mib']:+.1f} MiB; "
          f"VmHWM {hwm_kib / 1024:.1f} MiB")
