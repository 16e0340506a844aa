"""The store process of the kill -9 trial (test_kill_trial.py). Run as a script with the
store's folder; it imports torch once, then on each line "<delay ms>" from stdin forks a
child that opens the store and saves and imports tiny models through the store API, and
kills that child with SIGKILL `delay` ms after it said it was ready (after its first save);
it answers "killed".

The child appends "<model id> <seed>" to <folder>/reported.txt after each store call has
returned: every such model must be there, whole, after the kill. Forking (instead of a
fresh interpreter per round) keeps 100 rounds within seconds: torch is imported once."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import torch

from server.nn.analysis import NetworkLimits
from server.nn.build import build_model
from server.nn.spec import NetworkSpec
from server.store.archive import export_zip, import_zip
from server.store.disk import ModelStore

SPEC = NetworkSpec.model_validate({
    "input": {"channels": 1, "height": 6, "width": 6},
    "layers": [{"type": "conv2d", "filters": 2, "kernel_size": 3}, {"type": "batch_norm"},
               {"type": "flatten"}, {"type": "dense", "units": 3, "activation": "softmax"}]})
MANIFEST = {"classes": ["a", "b", "c"], "input_shape": [1, 6, 6], "dataset": "tiny",
            "metrics": {}, "preprocessing": {
                "channels": 1, "height": 6, "width": 6, "scale": 1 / 255, "mean": [0.5],
                "std": [0.25], "resize": "fit_pad", "background": "any", "content": "photo",
                "content_fraction": 1.0}}
IMPORTED_SEED = 10_000  # the seed of the weights in the archive every import reads


def small_model(seed: int) -> torch.nn.Module:
    torch.manual_seed(seed)
    model = build_model(SPEC)
    with torch.no_grad():
        for buffer in model.buffers():
            if buffer.is_floating_point():
                buffer.copy_(torch.rand_like(buffer) + 0.5)
    return model.eval()


def child(root: Path, archive: bytes, ready: int, first_seed: int) -> None:
    store = ModelStore(root)  # opening the store is part of each restart
    report = os.open(root.parent / "reported.txt", os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    for seed in range(first_seed, first_seed + 10_000):
        if seed % 3:
            model_id = store.save(f"trial {seed}", SPEC, small_model(seed), dict(MANIFEST))
            weights = seed
        else:
            model_id = import_zip(store, archive, NetworkLimits(), 1 << 20, "s-trial")
            weights = IMPORTED_SEED
        os.write(report, f"{model_id} {weights}\n".encode())  # one write: a line or none
        if seed == first_seed:  # ready (warm) after its first save: kills land mid-save
            os.write(ready, b"r")


def round_(root: Path, archive: bytes, delay: float, first_seed: int) -> None:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        try:
            child(root, archive, write, first_seed)
        finally:
            os._exit(0)
    os.close(write)
    os.read(read, 1)  # ready
    time.sleep(delay)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    os.close(read)


def main(root: Path) -> None:
    torch.set_num_threads(1)
    template = ModelStore(root.parent / "template")
    archive = export_zip(template, template.save("imported", SPEC, small_model(IMPORTED_SEED),
                                                 dict(MANIFEST)))
    print("ready", flush=True)
    for number, line in enumerate(sys.stdin):
        round_(root, archive, float(line) / 1000, number * 10_000 + 1)
        print("killed", flush=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
