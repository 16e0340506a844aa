"""The inference service on a device (CNNPG_PREDICT_DEVICE): ResNet-small and the shipped
LeNet, batches of 64 through POST /v2/models/{id}/infer with binary tensors, against the
bare forward pass on the same device.

    .venv/bin/python bench/predict_gpu.py [--device cuda] [--quick] [--json F]

- ResNet-small: the resnet-small preset (32x32 RGB, 3 stages of residual blocks), saved
  with random weights (speed does not depend on them) beside a copy of the shipped LeNet in
  a temporary models folder.
- ours: a real server (`python -m bench.harness serve`, as `cnn-playground serve`) with
  CNNPG_PREDICT_DEVICE=--device; the images as raw UINT8 after the JSON, as tritonclient
  sends them.
- bare: the same model in this process on the same device, model(x) on the same batch,
  preprocessed as the server does and already on the device, synchronized
  (torch.cuda.synchronize) so that the time is the work's.
- the images: 64 MNIST test digits for LeNet, 64 random pictures for ResNet-small.

Per model: (1) latency, one request at a time, interleaved with the bare forward: medians
and p99; (2) throughput, --clients clients sending batches of 64 at once (requests that
arrive during a pass join the next one, up to CNNPG_MAX_BATCH_FILES images), against the
bare forward back to back. The issue's figure is ResNet-small's on a GPU; on a machine
without one, --device cpu runs the same measurement. A benchmark, not a test: it exits 0
unless something breaks.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

if __package__ in (None, ""):  # run as a script: make `bench` and `server` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import ROOT, median, percentile, server_process
from bench.kernels import table
from bench.predict import machine
from bench.predict_client import Connection, forward_ms, load_digits
from bench.predict_protocol import infer_post, infer_request
from server.inference.preprocess import from_manifest, prepare_at_size
from server.nn.build import build_model
from server.nn.spec import NetworkSpec
from server.store import ModelStore

SIZE = 64


def models_folder(folder: Path) -> dict[str, str]:
    """The shipped LeNet and a ResNet-small with random weights: name -> model id."""
    shipped = next((ROOT / "models").glob("lenet-mnist-shipped-*"))
    shutil.copytree(shipped, folder / shipped.name)
    preset = json.loads((ROOT / "models" / "presets" / "resnet-small.json").read_text())
    spec = NetworkSpec.model_validate(preset["spec"])
    torch.manual_seed(0)
    resnet = ModelStore(folder).save("resnet-small", spec, build_model(spec).eval(), {
        "classes": [str(i) for i in range(10)], "input_shape": [3, 32, 32], "dataset": None,
        "preprocessing": {"channels": 3, "height": 32, "width": 32, "mean": [0.5] * 3,
                          "std": [0.25] * 3}, "metrics": {}})
    return {"ResNet-small": resnet, "LeNet": shipped.name}


def throughput(base: str, path: str, body: tuple[bytes, dict[str, str]], clients: int,
               each: int) -> float:
    """Images/s of `clients` threads sending `each` batches each, at once."""
    conns = [Connection(base) for _ in range(clients)]
    for conn in conns:
        infer_post(conn, path, *body)  # the sockets open, untimed
    start = threading.Barrier(clients + 1)

    def work(conn: Connection) -> None:
        start.wait()
        for _ in range(each):
            infer_post(conn, path, *body)

    threads = [threading.Thread(target=work, args=(c,)) for c in conns]
    for t in threads:
        t.start()
    start.wait()
    began = time.perf_counter()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - began
    for conn in conns:
        conn.close()
    return clients * each * SIZE / elapsed


def measure(base: str, model_id: str, folder: Path, device: torch.device, repeats: int,
            clients: int) -> dict[str, Any]:
    spec, model, manifest = ModelStore(folder).load(model_id)
    model = model.to(device).eval()
    size = spec.input
    if manifest.dataset == "mnist":  # real digits: the server inverts a light background
        pixels = load_digits(SIZE, manifest).pixels[:SIZE]
    else:
        rng = np.random.default_rng(0)
        pixels = rng.integers(0, 256, (SIZE, size.height, size.width, size.channels),
                              dtype=np.uint8)
    # the model's input exactly as the server makes it from these pixels
    pre = from_manifest(manifest.preprocessing or {}, manifest.dataset)
    x = prepare_at_size(pixels, pre).to(device)
    body, path = infer_request(pixels), f"/v2/models/{model_id}/infer"
    ours, bare = [], []
    with contextlib.closing(Connection(base)) as conn:
        for _ in range(5):  # warm: the model loaded on the device, cuDNN's choices made
            infer_post(conn, path, *body)
            forward_ms(model, x)
        for r in range(repeats):
            for side in ("ours", "bare") if r % 2 == 0 else ("bare", "ours"):
                if side == "ours":
                    ours.append(infer_post(conn, path, *body)[0])
                else:
                    bare.append(forward_ms(model, x))
    served = throughput(base, path, body, clients, max(2, repeats // clients))
    back_to_back = [forward_ms(model, x) for _ in range(repeats)]
    return {"ours_ms": median(ours), "ours_p99_ms": percentile(ours, 99),
            "bare_ms": median(bare), "bare_p99_ms": percentile(bare, 99),
            "ours_img_s": served, "bare_img_s": SIZE / median(back_to_back) * 1000,
            "clients": clients}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu",
                        help="cuda, cuda:N or cpu (default: cuda when there is one)")
    parser.add_argument("--quick", action="store_true", help="20 requests per model")
    parser.add_argument("--repeats", type=int, help="requests per model (default 100)")
    parser.add_argument("--clients", type=int, default=4, help="clients at once in (2)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    repeats = args.repeats or (20 if args.quick else 100)
    device = torch.device(args.device)
    print("Inference on a device: " + " ".join(["bench/predict_gpu.py",
                                                 *(argv or sys.argv[1:])]))
    for line in machine():
        print(line)
    if device.type == "cuda":
        print(f"GPU: {torch.cuda.get_device_name(device)}, CUDA {torch.version.cuda}")
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="cnnpg-bench-gpu-") as tmp:
        folder = Path(tmp)
        ids = models_folder(folder)
        env = {"CNNPG_MODELS_DIR": str(folder), "CNNPG_PREDICT_DEVICE": args.device,
               "CNNPG_PRELOAD_MODELS": json.dumps(list(ids.values())),
               **{f"CNNPG_RATE_{k}": "" for k in ("SESSIONS", "JOINS", "UPLOADS", "RUNS")}}
        with server_process(env=env) as server:
            for name, model_id in ids.items():
                results[name] = measure(server.base, model_id, folder, device, repeats,
                                        args.clients)
    rows = [[name, f"{r['ours_ms']:.2f}", f"{r['ours_p99_ms']:.2f}", f"{r['bare_ms']:.2f}",
             f"{r['bare_ms'] / r['ours_ms']:.3f}", f"{r['ours_img_s']:.0f}",
             f"{r['bare_img_s']:.0f}", f"{r['ours_img_s'] / r['bare_img_s']:.3f}"]
            for name, r in results.items()]
    print(f"\nbatches of {SIZE}, {repeats} requests per model, on {device}")
    print(table(["model", "ours median ms", "ours p99 ms", "bare median ms", "bare / ours",
                 f"ours img/s ({args.clients} clients)", "bare img/s", "ours / bare"], rows))
    if args.json:
        args.json.write_text(json.dumps({"device": str(device), "results": results}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
