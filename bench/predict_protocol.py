"""(e) of bench/predict.py: POST /v2/models/{id}/infer, the Open Inference Protocol, with
binary tensors both ways (the UINT8 pixels after the JSON, as tritonclient sends them; the
FP32 probabilities and BYTES labels after the answer's JSON), one image and batches of 64,
each request interleaved with the bare forward of the same images."""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

from bench.harness import median
from bench.kernels import table
from bench.predict_client import Connection, Digits, HttpError, batch_x, forward_ms
from bench.predict_measure import nothing
from server.nn.build import Network

HEADER = "Inference-Header-Content-Length"


def infer_request(pixels: np.ndarray) -> tuple[bytes, dict[str, str]]:
    """(N, H, W, C) uint8 pixels as the body and headers of a binary /v2 infer request."""
    data = np.ascontiguousarray(pixels).tobytes()
    head = json.dumps({"inputs": [{"name": "input", "shape": list(pixels.shape),
                                   "datatype": "UINT8",
                                   "parameters": {"binary_data_size": len(data)}}],
                       "parameters": {"binary_data_output": True}}).encode()
    return head + data, {HEADER: str(len(head)), "Content-Type": "application/octet-stream"}


def infer_body(digits: Digits, start: int, size: int) -> tuple[bytes, dict[str, str]]:
    index = [(start + k) % len(digits) for k in range(size)]
    return infer_request(digits.pixels[index])


def infer_post(conn: Connection, path: str, body: bytes, headers: dict[str, str]
               ) -> tuple[float, np.ndarray]:
    """(milliseconds, the FP32 probabilities read from the binary answer)."""
    started = time.perf_counter()
    conn.conn.request("POST", path, body=body, headers=headers)
    response = conn.conn.getresponse()
    data = response.read()
    ms = (time.perf_counter() - started) * 1000
    if response.status != 200:
        raise HttpError(f"POST {path}: {response.status} {data[:500]!r}")
    length = int(response.getheader(HEADER) or 0)
    head = json.loads(data[:length])
    first = head["outputs"][0]  # the probabilities: the first output, the first bytes
    size = first["parameters"]["binary_data_size"]
    values = np.frombuffer(data[length:length + size], dtype="<f4")
    return ms, values.reshape(first["shape"])


@dataclass
class Protocol:
    size: int
    ours: list[float] = field(default_factory=list)
    bare: list[float] = field(default_factory=list)
    max_difference: float = 0.0  # the largest |ours - softmax(bare)| of any probability


def protocol(ours: str, model_id: str, model: nn.Module, digits: Digits, repeats: int,
             size: int, settle: Callable[[], None] = nothing) -> Protocol:
    assert isinstance(model, Network)  # the store's: its logits are the scores before softmax
    path = f"/v2/models/{model_id}/infer"
    # (the request, the bare model's input) per start, each made once
    made = {s: (infer_body(digits, s, size), batch_x(digits, s, size))
            for s in {(r * size) % len(digits) for r in range(repeats)}}
    plan = [made[(r * size) % len(digits)] for r in range(repeats)]
    out = Protocol(size)
    with contextlib.closing(Connection(ours)) as conn:
        for request, x in plan[:3]:  # warm-up
            infer_post(conn, path, *request)
            forward_ms(model, x)
        for r, (request, x) in enumerate(plan):
            for side in ("ours", "bare") if r % 2 == 0 else ("bare", "ours"):
                settle()
                if side == "bare":
                    out.bare.append(forward_ms(model, x))
                    continue
                ms, probabilities = infer_post(conn, path, *request)
                out.ours.append(ms)
                with torch.inference_mode():
                    expected = torch.softmax(model.logits(x), dim=1).numpy()
                out.max_difference = max(out.max_difference,
                                         float(np.abs(probabilities - expected).max()))
    return out


def summarize_protocol(runs: list[Protocol]) -> dict[str, Any]:
    rows = {}
    for p in runs:
        ours, bare = median(p.ours), median(p.bare)
        rows[str(p.size)] = {"requests": len(p.ours), "ours_median_ms": ours,
                             "bare_median_ms": bare, "ours_img_s": p.size / ours * 1000,
                             "bare_img_s": p.size / bare * 1000, "ratio": bare / ours,
                             "max_difference": p.max_difference}
    return rows


def print_protocol(s: dict[str, Any]) -> None:
    print("\n(e) Open Inference Protocol: POST /v2/models/{id}/infer, binary tensors both "
          "ways, interleaved with the bare forward of the same images")
    print(table(["images per request", "requests", "ours median ms", "bare median ms",
                 "ours images/s", "bare images/s", "ratio ours/bare images/s",
                 "max |p - bare|"],
                [[size, str(r["requests"]), f"{r['ours_median_ms']:.3f}",
                  f"{r['bare_median_ms']:.3f}", f"{r['ours_img_s']:.0f}",
                  f"{r['bare_img_s']:.0f}", f"{r['ratio']:.3f}", f"{r['max_difference']:.1e}"]
                 for size, r in s.items()]))
