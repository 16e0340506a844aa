"""The Classify page's webcam (/ws/classify): frames per second through the socket against a
bare in-process loop of the same work.

    .venv/bin/python bench/webcam.py [--seconds 8] [--json out.json]

Frames: 160x120 RGBA, as the page sends them for a 28x28 model (raw getImageData bytes,
76.8 KB): MNIST test digits, dark ink on grey paper with noise, one per frame, 64 distinct.
The shipped LeNet (models/lenet-mnist-shipped-*), top 5 and the Grad-CAM saliency map, as
the page asks for them.

- ours: a real server in a subprocess (`python -m bench.harness serve`, as `cnn-playground
  serve`), a real websocket client (websockets' sync client) sending header + RGBA with at
  most 2 frames unanswered, as the page does. Run twice: with CNNPG_WEBCAM_MAX_FPS at its
  default (30: what one page gets) and at 1000 (what the path can do: the ratio's side).
  Also 1 frame in flight (lock-step): the round trip a frame takes.
- bare: the same steps in this process, in a plain loop: the RGBA bytes to pixels
  (frame_pixels), the model's preprocessing (prepare), the forward pass and top-k, and the
  saliency map (explain); no socket, no event loop, no threads. It is timed with torch's
  default threads and with 1, and the faster counts.

Target (#16): 15 frames/s or more for a LeNet-sized model on this CPU. A benchmark, not a
test: it exits 0 unless something breaks.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

if __package__ in (None, ""):  # run as a script: make `bench` and `server` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from websockets.sync.client import connect

from bench.harness import ROOT, running_server
from bench.predict_client import shipped_model_id
from server.config import Settings
from server.datasets.registry import DatasetRegistry
from server.inference.answers import top_k
from server.inference.explain import explain
from server.inference.frames import FrameHeader, FrameLimits, frame_pixels
from server.inference.predictor import Predictor
from server.inference.preprocess import prepare
from server.store.disk import ModelStore

WIDTH, HEIGHT, FRAMES = 160, 120, 64


def camera_frames() -> list[bytes]:
    """Digits as a camera sees a sheet of paper: dark ink, grey paper, sensor noise."""
    digits, _ = DatasetRegistry(Settings().datasets_dir).load("mnist", "test")
    rng = np.random.default_rng(16)
    frames = []
    for digit in digits[:FRAMES, ..., 0]:
        paper = rng.normal(190, 8, (HEIGHT, WIDTH)).clip(0, 255)
        ink = np.kron(digit, np.ones((3, 3)))  # 84x84
        top, left = rng.integers(10, HEIGHT - 94), rng.integers(20, WIDTH - 104)
        area = paper[top:top + 84, left:left + 84]
        paper[top:top + 84, left:left + 84] = area * (1 - ink / 255) + 30 * (ink / 255)
        rgb = np.repeat(paper.astype(np.uint8)[..., None], 3, axis=2)
        frames.append(np.concatenate([rgb, np.full((HEIGHT, WIDTH, 1), 255, np.uint8)],
                                     axis=2).tobytes())
    return frames


def header(model_id: str, frame_id: int) -> str:
    return json.dumps({"type": "frame", "id": frame_id, "model_id": model_id,
                       "format": "rgba", "width": WIDTH, "height": HEIGHT, "top_k": 5,
                       "explain": True})


def through_socket(base: str, model_id: str, frames: list[bytes], seconds: float,
                   in_flight: int) -> dict[str, float]:
    """Answers per second, and the server's median time per frame."""
    url = base.replace("http://", "ws://") + "/ws/classify"
    with connect(url, max_size=None) as ws:
        sent, answered, server_ms, skipped = 0, 0, [], 0
        unanswered: list[int] = []
        started = None
        while True:
            while len(unanswered) < in_flight:
                sent += 1
                ws.send(header(model_id, sent))
                ws.send(frames[sent % len(frames)])
                unanswered.append(sent)
            answer = json.loads(ws.recv(timeout=30))
            if answer["type"] != "result":
                raise SystemExit(f"the server answered an error: {answer}")
            unanswered = [i for i in unanswered if i > answer["id"]]
            if started is None:  # the first answer warms up: timing starts after it
                started = time.perf_counter()
                continue
            answered += 1
            skipped += answer["skipped"]
            server_ms.append(answer["time_ms"])
            elapsed = time.perf_counter() - started
            if elapsed >= seconds:
                return {"fps": answered / elapsed, "server_ms": float(np.median(server_ms)),
                        "skipped": skipped, "answered": answered}


def bare_loop(model_id: str, frames: list[bytes], seconds: float) -> dict[str, float]:
    """The faster of torch's default threads and 1 thread: the bare side at its best (two
    threads on tiny tensors can cost 30x on a busy machine)."""
    default = torch.get_num_threads()
    runs = []
    for threads in sorted({default, 1}):
        torch.set_num_threads(threads)
        runs.append({**bare_run(model_id, frames, seconds / 2), "threads": threads})
    torch.set_num_threads(default)
    return max(runs, key=lambda r: r["fps"])


def bare_run(model_id: str, frames: list[bytes], seconds: float) -> dict[str, float]:
    loaded = Predictor(ModelStore(ROOT / "models")).get(model_id)
    limits = FrameLimits(10**7, 10**7)
    frame_header = FrameHeader.model_validate_json(header(model_id, 1))

    def one(data: bytes) -> None:
        prepared = prepare(frame_pixels(frame_header, data, limits), loaded.preprocessing)
        predictions = top_k(loaded, loaded.probabilities(prepared.tensor)[0], 5)
        json.dumps(explain(loaded, prepared.tensor, prepared.pixels, predictions[0]["index"]))

    one(frames[0])
    done, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        one(frames[done % len(frames)])
        done += 1
    elapsed = time.perf_counter() - started
    return {"fps": done / elapsed, "ms": elapsed / done * 1000}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    model_id = shipped_model_id(ROOT / "models")
    frames = camera_frames()
    results: dict[str, Any] = {"model": model_id, "frame": f"{WIDTH}x{HEIGHT} RGBA"}
    env = {"CNNPG_MODELS_DIR": str(ROOT / "models")}
    for cap in ("30", "1000"):
        with running_server(env={**env, "CNNPG_WEBCAM_MAX_FPS": cap}) as base:
            results[f"socket_cap{cap}"] = through_socket(base, model_id, frames,
                                                         args.seconds, in_flight=2)
            if cap == "1000":
                results["lockstep"] = through_socket(base, model_id, frames, args.seconds,
                                                     in_flight=1)
    results["bare"] = bare_loop(model_id, frames, args.seconds)
    ours, bare = results["socket_cap1000"], results["bare"]
    results["ratio"] = ours["fps"] / bare["fps"]
    print(f"model {model_id}; frames {WIDTH}x{HEIGHT} RGBA; top 5 + Grad-CAM\n")
    print(f"{'path':<44} {'frames/s':>9} {'ms/frame':>9}")
    rows = [("socket, 2 in flight, CNNPG_WEBCAM_MAX_FPS=30", results["socket_cap30"]),
            ("socket, 2 in flight, CNNPG_WEBCAM_MAX_FPS=1000", ours),
            ("socket, lock-step (1 in flight)", results["lockstep"])]
    for name, row in rows:
        print(f"{name:<44} {row['fps']:>9.1f} {1000 / row['fps']:>9.2f}"
              f"   (server {row['server_ms']:.2f} ms/frame, {row['skipped']} skipped)")
    bare_name = f"bare loop, same steps, {bare['threads']} torch thread(s)"
    print(f"{bare_name:<44} {bare['fps']:>9.1f} {bare['ms']:>9.2f}")
    print(f"\nratio socket / bare: {results['ratio']:.2f}; target 15 frames/s: "
          f"{'met' if results['socket_cap30']['fps'] >= 15 else 'NOT met'} "
          f"({results['socket_cap30']['fps']:.1f} frames/s as a page gets it)")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
