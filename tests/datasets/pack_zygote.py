"""The writer process of the datasets' kill -9 trial (test_pack_kill.py). Run as a script
with the datasets' root folder: it makes one dataset (printing its id), then on each line
"<delay ms>" from stdin forks a child that opens the store and adds pictures in small
flushed batches, now and then deleting one, and kills that child with SIGKILL `delay` ms
after it said it was ready (after its first flush); it answers "killed".

The child appends to <root>/../reported.txt, each line in one write: "kept <n>" for every
picture of a batch once `flush` returned, "deleting <n>" before it deletes picture n.
Picture n's id is n in hex and its pixels are picture(n): what the trial checks."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import numpy as np

from server.datasets.user_store import Quotas, Skipped, UserDatasets
from server.imaging import IntakeLimits

CLASSES = ["a", "b", "c"]
SIZE = 16


def picture(n: int) -> np.ndarray:
    return np.random.default_rng(n).integers(0, 256, (SIZE, SIZE, 3), dtype=np.uint8)


def open_store(root: Path) -> UserDatasets:
    return UserDatasets(root, Quotas(5, 10**7, 2**40), IntakeLimits(2**20, 10**7))


def child(root: Path, dataset_id: str, ready: int, first: int) -> None:
    store = open_store(root)  # opening the store is part of each restart
    record = store.get(dataset_id)
    report = os.open(root.parent / "reported.txt", os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    batch: list[int] = []
    for n in range(first, first + 100_000):
        try:
            store.put_pixels(record, CLASSES[n % 3], f"{n:032x}", picture(n))
            batch.append(n)
        except Skipped:
            continue
        if len(batch) == 7:
            store.flush(record)
            os.write(report, "".join(f"kept {k}\n" for k in batch).encode())
            if n - first > 30 and n % 5 == 0:
                os.write(report, f"deleting {batch[0]}\n".encode())
                store.delete_image(record, f"{batch[0]:032x}")
            if ready >= 0:
                os.write(ready, b"r")
                os.close(ready)
                ready = -1
            batch = []


def main() -> None:
    root = Path(sys.argv[1])
    dataset_id = open_store(root).create("trial", "kill -9", CLASSES, SIZE, 3, "pad").id
    print(dataset_id, flush=True)
    for round_, line in enumerate(sys.stdin):
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read_end)
            child(root, dataset_id, write_end, (round_ + 1) * 1_000_000)
            os._exit(0)
        os.close(write_end)
        os.read(read_end, 1)  # ready
        os.close(read_end)
        time.sleep(float(line) / 1000)
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        print("killed", flush=True)


if __name__ == "__main__":
    main()
