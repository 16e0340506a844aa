"""Importing a dataset of your own: a zip of 20,000 PNGs (the built-in MNIST digits, and
the same digits inverted so that none is a duplicate) posted to a real server as a user
would (`POST /api/datasets`, multipart), against a bare Pillow loop reading the same
files from the same zip in this process.

    .venv/bin/python bench/datasets.py [--images 20000] [--rounds 2] [--json F]

Prints the import's images/s (20,000 over the wall time of the POST, upload included)
and the bare loop's (zip entry -> Pillow decode -> NumPy array, nothing stored), their
ratio (target >= 0.5), and the server's peak RSS during the imports (VmHWM; target under
500 MB) beside its RSS before. One untimed import of 1,000 pictures comes first (the
server's one-off start costs). A benchmark, not a test.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import tempfile
import time
import uuid
import zipfile
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make `bench` and `server` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import urllib.request

import numpy as np
from PIL import Image

from bench.harness import auth_headers, median, server_process, session_token
from server.datasets.registry import DatasetRegistry
from server.imaging.codec import encode_png


def make_zip(count: int) -> bytes:
    """`count` distinct 28x28 PNGs in digit folders (digits, then the same inverted)."""
    images, labels = DatasetRegistry(Path(tempfile.mkdtemp())).load("mnist", "train")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for n in range(count):
            i = n % len(labels)
            pixels = images[i] if n < len(labels) else 255 - images[i]
            archive.writestr(f"digits/{labels[i]}/{n}.png", encode_png(pixels, 6))
    return buffer.getvalue()


def bare(zipped: bytes) -> float:
    """Seconds for Pillow to decode every entry of the zip into an array."""
    started = time.perf_counter()
    with zipfile.ZipFile(io.BytesIO(zipped)) as archive:
        for info in archive.infolist():
            with archive.open(info) as member, Image.open(member) as image:
                np.asarray(image.convert("L"))
    return time.perf_counter() - started


def post_zip(base: str, token: str | None, zipped: bytes) -> tuple[float, dict[str, Any]]:
    boundary = uuid.uuid4().hex
    body = b"".join([
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nDigits\r\n"
        .encode(),
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"size\"\r\n\r\n28\r\n".encode(),
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
        f"filename=\"digits.zip\"\r\nContent-Type: application/zip\r\n\r\n".encode(),
        zipped, f"\r\n--{boundary}--\r\n".encode()])
    request = urllib.request.Request(f"{base}/api/datasets", data=body, method="POST",
                                     headers={"Content-Type": "multipart/form-data; "
                                              f"boundary={boundary}", **auth_headers(token)})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=3600) as response:
        answer: dict[str, Any] = json.load(response)
    return time.perf_counter() - started, answer


def memory(pid: int) -> dict[str, float]:
    status = Path(f"/proc/{pid}/status").read_text()
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    return {key: int(fields[key].split()[0]) / 1024 for key in ("VmRSS", "VmHWM")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    zipped = make_zip(args.images)
    print(f"zip: {args.images} PNGs, {len(zipped) / 2**20:.1f} MB")
    models = tempfile.mkdtemp(prefix="cnnpg-bench-datasets-")
    env = {"CNNPG_MODELS_DIR": models, "CNNPG_WARM_WORKERS": "1",
           "CNNPG_DATASET_MAX_IMAGES": str(args.images * args.rounds + 10),
           "CNNPG_SESSION_MAX_DATASET_BYTES": str(4 * 2**30), "CNNPG_RATE_UPLOADS": ""}
    ours, baseline, peaks = [], [], []
    with server_process(env=env) as server:
        before = memory(server.pid)
        # Untimed: the first import after a start took 2-4x a later one (one-off costs of
        # a fresh server).
        post_zip(server.base, session_token(server.base), make_zip(1000))
        for _ in range(args.rounds):  # alternating, so the machine's noise falls on both
            baseline.append(bare(zipped))
            seconds, answer = post_zip(server.base, session_token(server.base), zipped)
            assert answer["stored"] == args.images, answer.get("skipped", [])[:3]
            ours.append(seconds)
            peaks.append(memory(server.pid)["VmHWM"])
    rate, bare_rate = args.images / median(ours), args.images / median(baseline)
    result = {"images": args.images, "zip_mb": len(zipped) / 2**20,
              "import_s": ours, "bare_s": baseline, "import_per_s": rate,
              "bare_per_s": bare_rate, "ratio": rate / bare_rate,
              "rss_before_mb": before["VmRSS"], "peak_rss_mb": max(peaks)}
    print(f"import: {rate:,.0f} images/s (median of {args.rounds}: {median(ours):.1f} s)")
    print(f"bare Pillow loop: {bare_rate:,.0f} images/s")
    print(f"ratio import / bare: {result['ratio']:.2f} (target >= 0.5)")
    print(f"server RSS: {before['VmRSS']:.0f} MB before, peak {max(peaks):.0f} MB "
          "(target < 500 MB)")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
