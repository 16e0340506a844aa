"""What bench/predict.py sends and compares with: MNIST test digits as 28x28 PNG files, the
shipped model loaded in this process for the bare forward pass, and a keep-alive HTTP
client that posts multipart uploads (http.client: the thinnest client in the standard
library, so that the client adds as little as possible to what is timed)."""

from __future__ import annotations

import http.client
import io
import json
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import torch
from PIL import Image
from torch import nn

from server.config import Settings
from server.datasets.registry import DatasetRegistry
from server.store import ModelStore
from server.store.manifest import Manifest

SHIPPED_PREFIX = "lenet-mnist-shipped-"


@dataclass
class Digits:
    """The same test digits four ways: PNG files (what is uploaded), the bare model's
    preprocessed input, the labels, and the raw pixels (the protocol's UINT8 tensor)."""

    pngs: list[bytes]
    x: torch.Tensor  # (N, 1, 28, 28) float32, scaled by 1/255 and normalized
    labels: np.ndarray
    pixels: np.ndarray  # (N, 28, 28, 1) uint8

    def __len__(self) -> int:
        return len(self.pngs)


def png_bytes(image: np.ndarray) -> bytes:
    """(28, 28, 1) uint8 -> a grayscale PNG file."""
    out = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(image[..., 0])).save(out, format="PNG")
    return out.getvalue()


def shipped_model_id(models_dir: Path) -> str:
    """The newest complete lenet-mnist-shipped-* folder (by its manifest's write time)."""
    found = sorted((p.stat().st_mtime, p.parent.name)
                   for p in models_dir.glob(f"{SHIPPED_PREFIX}*/manifest.json"))
    if not found:
        raise SystemExit(f"no {SHIPPED_PREFIX}* model in {models_dir}")
    return found[-1][1]


def load_model(models_dir: Path, model_id: str) -> tuple[nn.Module, Manifest]:
    """The shipped model as the store loads it (eval mode), and its manifest."""
    _, model, manifest = ModelStore(models_dir).load(model_id)
    for parameter in model.parameters():
        parameter.requires_grad_(False)
    return model, manifest


def load_digits(count: int, manifest: Manifest) -> Digits:
    """The first `count` digits of the built-in MNIST test split."""
    images, labels = DatasetRegistry(Settings().datasets_dir).load("mnist", "test")
    images, labels = images[:count], labels[:count]
    pre = manifest.preprocessing or {}
    x = torch.from_numpy(np.array(images, copy=True)).permute(0, 3, 1, 2).float()
    x = x * (1 / 255)
    mean = torch.tensor(pre["mean"], dtype=torch.float32).view(1, -1, 1, 1)
    std = torch.tensor(pre["std"], dtype=torch.float32).view(1, -1, 1, 1)
    return Digits([png_bytes(im) for im in images], ((x - mean) / std).contiguous(),
                  np.asarray(labels), np.ascontiguousarray(images))


def forward_ms(model: nn.Module, x: torch.Tensor) -> float:
    """The bare baseline: model(x), nothing else (on a GPU, synchronized before and after,
    so that the time is the work's)."""
    with torch.inference_mode():
        if x.is_cuda:
            torch.cuda.synchronize(x.device)
        started = time.perf_counter()
        model(x)
        if x.is_cuda:
            torch.cuda.synchronize(x.device)
        return (time.perf_counter() - started) * 1000


def fastest_threads(model: nn.Module, x: torch.Tensor, counts: Sequence[int],
                    trials: int = 30) -> tuple[int, dict[int, float]]:
    """The torch thread count (of `counts`) with the fastest median model(x) here, and the
    medians (ms): the bare baseline runs at its best. With other work on the cores, several
    threads can wait for each other for a whole scheduler slice at every layer."""
    times: dict[int, list[float]] = {n: [] for n in counts}
    before = torch.get_num_threads()
    try:
        for r in range(trials + 3):
            for n in counts if r % 2 == 0 else list(counts)[::-1]:
                torch.set_num_threads(n)
                ms = forward_ms(model, x)
                if r >= 3:
                    times[n].append(ms)
    finally:
        torch.set_num_threads(before)
    medians = {n: float(np.median(t)) for n, t in times.items()}
    return min(medians, key=lambda n: medians[n]), medians


def multipart(field: str, files: Sequence[tuple[str, bytes]]) -> tuple[bytes, str]:
    """A multipart/form-data body with one part per file under `field`; (body, type)."""
    boundary = uuid.uuid4().hex
    parts = []
    for name, data in files:
        parts += [f"--{boundary}\r\n".encode(),
                  f'Content-Disposition: form-data; name="{field}"; filename="{name}"\r\n'
                  .encode(), b"Content-Type: image/png\r\n\r\n", data, b"\r\n"]
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class HttpError(RuntimeError):
    pass


class Connection:
    """One keep-alive HTTP/1.1 connection; counts how many sockets it had to open."""

    def __init__(self, base: str, timeout: float = 60.0):
        parts = urlsplit(base)
        self.conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1",
                                               parts.port or 80, timeout=timeout)
        self.opened = 0
        self._sock: object = None

    def post(self, path: str, body: bytes, content_type: str) -> dict[str, Any]:
        """POST and parse the JSON answer; raises HttpError on any status but 200."""
        self.conn.request("POST", path, body=body, headers={"Content-Type": content_type})
        if self.conn.sock is not self._sock:
            self._sock = self.conn.sock
            self.opened += 1
        response = self.conn.getresponse()
        data = response.read()
        if response.status != 200:
            raise HttpError(f"POST {path}: {response.status} {data[:500]!r}")
        answer: dict[str, Any] = json.loads(data)
        return answer

    def timed_post(self, path: str, body: bytes, content_type: str
                   ) -> tuple[float, dict[str, Any]]:
        started = time.perf_counter()
        answer = self.post(path, body, content_type)
        return (time.perf_counter() - started) * 1000, answer

    def close(self) -> None:
        self.conn.close()


def single_body(digits: Digits, i: int) -> tuple[bytes, str]:
    return multipart("file", [(f"digit-{i}.png", digits.pngs[i])])


def batch_body(digits: Digits, start: int, size: int) -> tuple[bytes, str]:
    n = len(digits)
    return multipart("files", [(f"digit-{(start + k) % n}.png", digits.pngs[(start + k) % n])
                               for k in range(size)])


def batch_x(digits: Digits, start: int, size: int) -> torch.Tensor:
    n = len(digits)
    index = torch.tensor([(start + k) % n for k in range(size)])
    return digits.x[index].contiguous()
