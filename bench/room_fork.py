"""Forking a dataset shown in a room (server/datasets/user_fork.py): a copy of a dataset of
MNIST digits (28x28, as a class would make) into another session, against a bare loop
that reads each class's packed pixels and writes them to one raw file per class (no
records, no ids, no quota or duplicate checks, no fsync), in this process, on the same
disk.

    .venv/bin/python bench/room_fork.py [--images 2000] [--rounds 3] [--json F]

Prints the fork's pictures/s and the bare loop's (medians over the rounds) and their
ratio: the fork's work per picture beyond copying the bytes. A benchmark, not a test.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make `bench` and `server` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import median
from server.datasets import user_packs
from server.datasets.registry import DatasetRegistry
from server.datasets.user_files import DatasetRecord
from server.datasets.user_fork import fork_dataset
from server.datasets.user_store import Quotas, UserDatasets
from server.imaging import IntakeLimits
from server.imaging.codec import encode_png


def source(store: UserDatasets, count: int) -> DatasetRecord:
    """A teacher's dataset of `count` distinct digits in ten classes."""
    images, labels = DatasetRegistry(Path(tempfile.mkdtemp())).load("mnist", "train")
    record = store.create("s-teacher", "Digits", [str(d) for d in range(10)], 28, 1, "pad")
    for n in range(count):
        i = n % len(labels)
        pixels = images[i] if n < len(labels) else 255 - images[i]
        png = encode_png(pixels, 6)
        store.put(record, str(labels[i]), f"{n:032x}", png)
    store.flush(record)
    return record


def bare(store: UserDatasets, record: DatasetRecord, target: Path) -> float:
    """Seconds to read every class's pixels from its pack and write them to a raw file per
    class: the floor of copying the data (no record, no checks, no ids, no fsync)."""
    started = time.perf_counter()
    target.mkdir(parents=True, exist_ok=True)
    for entry in record.classes:
        _, pixels = user_packs.read_class(store.root, record, entry.id)
        (target / f"{entry.id}.raw").write_bytes(pixels.tobytes())
    return time.perf_counter() - started


def fork(store: UserDatasets, record: DatasetRecord, owner: str) -> float:
    started = time.perf_counter()
    copy = fork_dataset(store, record, owner)
    seconds = time.perf_counter() - started
    assert sum(store.counts(copy).values()) == sum(store.counts(record).values())
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="cnnpg-bench-fork-"))
    try:
        store = UserDatasets(work / "datasets", Quotas(100, 10_000_000, 2**40),
                             IntakeLimits(max_bytes=2**24, max_pixels=2**24))
        record = source(store, args.images)
        forks, bares = [], []
        for n in range(args.rounds):  # alternated, so that both meet the same disk state
            bares.append(bare(store, record, work / f"bare-{n}"))
            forks.append(fork(store, record, f"s-student-{n}"))
        fork_rate, bare_rate = args.images / median(forks), args.images / median(bares)
        result: dict[str, Any] = {"images": args.images, "rounds": args.rounds,
                                  "fork_images_per_s": round(fork_rate),
                                  "bare_images_per_s": round(bare_rate),
                                  "ratio": round(fork_rate / bare_rate, 3)}
        print(f"fork: {fork_rate:,.0f} pictures/s; bare read+write loop: {bare_rate:,.0f} "
              f"pictures/s; ratio {fork_rate / bare_rate:.2f} (medians of {args.rounds})")
        if args.json:
            args.json.write_text(json.dumps(result, indent=1))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
