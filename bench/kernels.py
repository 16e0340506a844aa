"""Kernel Lab benchmark (issue section 8): our engine against OpenCV, and live-edit latency.

    .venv/bin/python bench/kernels.py [--quick]

1. Compute, on a 1024x1024 RGB photo: `run_pipeline` on the prepared float32 input (what
   one live edit computes: resolve the spec, filter, check for inf/NaN, map to uint8 pixels)
   against the bare OpenCV call on the same array (cv2.filter2D, cv2.medianBlur,
   cv2.bilateralFilter with the same kernel and border), timed interleaved in the same run.
   Two ratios: the engine's own compute_ms (filter + inf/NaN check) and the whole call
   (+ the uint8 mapping). The outputs are compared, so both sides do the same filtering.
2. Live edit, on 512x512 and 1024x1024 photos uploaded once: a real server in a subprocess,
   one websocket, edits that change one kernel value each time like a user typing; each is
   timed from sending the edit to holding the result as an (H, W, 4) RGBA NumPy array, the
   moment a page can draw it. The baseline, interleaved on a second socket of the same
   server, is /bench/echo: the same header and the same number of bytes, no computing.

Machines are noisy: absolute times are indicative, the ratios are the result. This is a
benchmark, not a test: it always exits 0 unless something breaks.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import struct
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

if __package__ in (None, ""):  # run as a script: make `bench` and `server` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import (
    ECHO_PATH,
    ROOT,
    auth_headers,
    interleaved,
    median,
    percentile,
    running_server,
    session_token,
    upload_image,
)
from server.config import Settings
from server.kernels.library import KERNELS
from server.kernels.pipeline import prepare_input, run_pipeline
from server.kernels.spec import Pipeline

PHOTO = ROOT / "server" / "data" / "images" / "astronaut.png"
COMPUTE_TARGET = 1.5  # ours / OpenCV
LATENCY_TARGET_MS = {512: 25.0, 1024: 50.0}  # median, full resolution
RECV_TIMEOUT_S = 30.0


def photo(side: int) -> np.ndarray:
    """The astronaut sample as (side, side, 3) uint8 RGB."""
    bgr = cv2.imread(str(PHOTO), cv2.IMREAD_COLOR)
    if bgr is None:
        raise SystemExit(f"cannot read {PHOTO}")
    if bgr.shape[:2] != (side, side):
        smaller = side < max(bgr.shape[:2])
        bgr = cv2.resize(bgr, (side, side),
                         interpolation=cv2.INTER_AREA if smaller else cv2.INTER_CUBIC)
    rgb: np.ndarray = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    return rgb


def machine() -> list[str]:
    model = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return [f"CPU: {model}, {os.cpu_count()} logical cores",
            f"Python {platform.python_version()}, NumPy {np.__version__}, "
            f"OpenCV {cv2.__version__} ({cv2.getNumThreads()} threads)"]


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    out = [line, "  ".join("-" * w for w in widths)]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(out)


# ----------------------------------------------------------------------------- compute


@dataclass
class Case:
    label: str
    step: dict[str, Any]
    output: str
    baseline: Callable[[np.ndarray], np.ndarray]
    baseline_text: str


def _f32(name: str) -> np.ndarray:
    return KERNELS[name].array().astype(np.float32)


def cases() -> list[Case]:
    sobel, gauss5 = _f32("sobel_x"), _f32("gaussian_5")
    rng = np.random.default_rng(8)
    custom = np.round(rng.normal(0.0, 1.0, (15, 15)) / 15.0, 3)  # a user's 15x15 matrix
    custom32 = custom.astype(np.float32)
    zero = cv2.BORDER_CONSTANT  # our default padding 'zero'
    bilateral = KERNELS["bilateral"].params
    size, s_color, s_space = (int(bilateral["size"]), bilateral["sigma_color"],
                              bilateral["sigma_space"])
    return [
        Case("3x3 Sobel X", {"kernel": "sobel_x"}, KERNELS["sobel_x"].suggested_output,
             lambda a: cv2.filter2D(a, -1, sobel, borderType=zero), "cv2.filter2D"),
        Case("5x5 Gaussian", {"kernel": "gaussian_5"}, KERNELS["gaussian_5"].suggested_output,
             lambda a: cv2.filter2D(a, -1, gauss5, borderType=zero), "cv2.filter2D"),
        Case("15x15 custom", {"matrix": custom.tolist()}, "clip",
             lambda a: cv2.filter2D(a, -1, custom32, borderType=zero), "cv2.filter2D"),
        Case("median 5", {"kernel": "median", "params": {"size": 5}}, "clip",
             lambda a: cv2.medianBlur(a, 5), "cv2.medianBlur"),
        Case(f"bilateral {size}", {"kernel": "bilateral"}, "clip",
             lambda a: cv2.bilateralFilter(a, size, s_color, s_space,
                                           borderType=cv2.BORDER_REPLICATE),
             "cv2.bilateralFilter"),
    ]


def compute_section(side: int, repeats: int) -> list[dict[str, Any]]:
    source = prepare_input(photo(side), "separate")  # what StoredImage.prepared memoizes
    max_pixels = Settings().max_image_pixels
    results = []
    for case in cases():
        pipeline = Pipeline.model_validate({"steps": [case.step], "channels": "separate",
                                            "output": case.output})
        ours_result = run_pipeline(source, pipeline, max_pixels)
        theirs = case.baseline(source)
        theirs = theirs[..., None] if theirs.ndim == 2 else theirs
        same = bool(np.array_equal(ours_result.values, theirs))

        compute_ms: list[float] = []  # the engine's own compute_ms of each timed run

        def ours(p: Pipeline = pipeline, into: list[float] = compute_ms) -> object:
            result = run_pipeline(source, p, max_pixels)
            into.append(result.compute_ms)
            return result

        def opencv(c: Case = case) -> object:
            return c.baseline(source)

        ours_ms, opencv_ms = interleaved([ours, opencv], repeats, warmup=0)
        base = median(opencv_ms)
        results.append({
            "filter": case.label, "opencv_call": case.baseline_text, "opencv_ms": base,
            "compute_ms": median(compute_ms), "compute_ratio": median(compute_ms) / base,
            "full_ms": median(ours_ms), "full_ratio": median(ours_ms) / base,
            "same_output": same})
    return results


def _verdict(ratio: float) -> str:
    return "met" if ratio <= COMPUTE_TARGET else "MISSED"


def print_compute(side: int, results: list[dict[str, Any]], repeats: int) -> None:
    print(f"\nCompute, {side}x{side} RGB float32, median of {repeats} interleaved runs; "
          f"target: ours within {COMPUTE_TARGET}x of OpenCV")
    rows = [[r["filter"], r["opencv_call"], f"{r['opencv_ms']:.2f}",
             f"{r['compute_ms']:.2f}", f"{r['compute_ratio']:.2f}x",
             f"{r['full_ms']:.2f}", f"{r['full_ratio']:.2f}x",
             "yes" if r["same_output"] else "NO",
             f"{_verdict(r['compute_ratio'])} / {_verdict(r['full_ratio'])}"] for r in results]
    print(table(["filter", "OpenCV call", "OpenCV ms", "engine ms", "ratio", "+uint8 ms",
                 "ratio", "same values", "target (engine / +uint8)"], rows))
    print("engine = run_pipeline's compute_ms (filter and inf/NaN check); +uint8 = the whole "
          "run_pipeline call, which also maps the result to uint8 pixels")


# ----------------------------------------------------------------------------- live edit


def edit_message(request_id: int, image_id: str, preview: int | None) -> str:
    """A 3x3 sharpen whose centre the user keeps retyping: 5, 6, ... 13, 5, ..."""
    centre = 5 + request_id % 9
    matrix = [[0, -1, 0], [-1, centre, -1], [0, -1, 0]]
    return json.dumps({"type": "apply", "id": request_id, "source": {"image_id": image_id},
                       "spec": {"steps": [{"matrix": matrix}], "channels": "separate",
                                "output": "clip"},
                       "preview_max_side": preview})


def receive_rgba(ws: Any, request_id: int) -> tuple[dict[str, Any], np.ndarray]:
    """The JSON header, then the KLR1 frame as an (H, W, 4) uint8 view: ready to draw."""
    header = json.loads(ws.recv(timeout=RECV_TIMEOUT_S))
    if header.get("type") != "result":
        raise RuntimeError(f"the server answered {header}")
    frame = ws.recv(timeout=RECV_TIMEOUT_S)
    if not isinstance(frame, bytes | bytearray) or frame[:4] != b"KLR1":
        raise RuntimeError("expected a binary KLR1 frame after the header")
    frame_id, width, height = struct.unpack_from("<III", frame, 4)
    if frame_id != request_id or (width, height) != (header["width"], header["height"]):
        raise RuntimeError(f"frame {frame_id} {width}x{height} does not match {header}")
    rgba = np.frombuffer(frame, np.uint8, count=width * height * 4, offset=16)
    return header, rgba.reshape(height, width, 4)


def live_section(base: str, image_id: str, side: int, preview: int | None, edits: int,
                 warmup: int = 3, token: str | None = None) -> dict[str, Any]:
    from websockets.sync.client import connect

    host = base.removeprefix("http://")
    out_side = min(side, preview) if preview else side
    live_ms: list[float] = []
    echo_ms: list[float] = []
    compute_ms: list[float] = []
    server_ms: list[float] = []
    opts: dict[str, Any] = {"max_size": None, "compression": None, "open_timeout": 10,
                            "additional_headers": auth_headers(token)}  # uploads are private
    with connect(f"ws://{host}/ws/kernels", **opts) as live, \
            connect(f"ws://{host}{ECHO_PATH}", **opts) as echo:

        def one_live(i: int) -> None:
            started = time.perf_counter()
            live.send(edit_message(i, image_id, preview))
            header, rgba = receive_rgba(live, i)
            elapsed = (time.perf_counter() - started) * 1000
            if rgba.shape != (out_side, out_side, 4):
                raise RuntimeError(f"got {rgba.shape}, expected {(out_side, out_side, 4)}")
            if i >= warmup:
                live_ms.append(elapsed)
                compute_ms.append(float(header["time_ms"]["compute"]))
                server_ms.append(float(header["time_ms"]["total"]))

        def one_echo(i: int) -> None:
            started = time.perf_counter()
            echo.send(json.dumps({"id": i, "width": out_side, "height": out_side}))
            header = json.loads(echo.recv(timeout=RECV_TIMEOUT_S))
            frame = echo.recv(timeout=RECV_TIMEOUT_S)
            if not isinstance(frame, bytes | bytearray):
                raise RuntimeError("the echo socket sent text where a frame was expected")
            rgba = np.frombuffer(frame, np.uint8, offset=16).reshape(
                header["height"], header["width"], 4)
            elapsed = (time.perf_counter() - started) * 1000
            if rgba.shape != (out_side, out_side, 4):
                raise RuntimeError(f"echo gave {rgba.shape}, expected {(out_side, out_side, 4)}")
            if i >= warmup:
                echo_ms.append(elapsed)

        for i in range(warmup + edits):
            first, second = (one_live, one_echo) if i % 2 == 0 else (one_echo, one_live)
            first(i)
            second(i)
    return {"photo": side, "preview": preview, "out": out_side,
            "median_ms": median(live_ms), "p90_ms": percentile(live_ms, 90),
            "compute_ms": median(compute_ms), "server_ms": median(server_ms),
            "echo_ms": median(echo_ms), "echo_p90_ms": percentile(echo_ms, 90),
            "ratio": median(live_ms) / median(echo_ms),
            "target_ms": None if preview else LATENCY_TARGET_MS.get(side)}


def print_live(results: list[dict[str, Any]], edits: int) -> None:
    print(f"\nLive edit over /ws/kernels, {edits} edits each (3x3 custom matrix, one value "
          "changed per edit), send -> RGBA array in hand")
    rows = []
    for r in results:
        what = f"{r['photo']}x{r['photo']}" + (f", preview {r['preview']}" if r["preview"] else "")
        target = r["target_ms"]
        verdict = ("-" if target is None else
                   f"{'met' if r['median_ms'] < target else 'MISSED'} (< {target:.0f} ms)")
        rows.append([what, f"{r['out']}x{r['out']}", f"{r['median_ms']:.1f}", f"{r['p90_ms']:.1f}",
                     f"{r['compute_ms']:.1f}", f"{r['server_ms']:.1f}", f"{r['echo_ms']:.1f}",
                     f"{r['ratio']:.2f}x", verdict])
    print(table(["photo", "result", "median ms", "p90 ms", "engine ms", "server ms",
                 "echo ms", "live/echo", "target (median)"], rows))
    print("engine = the filter's compute_ms; server = the header's time_ms.total (request to "
          "frame built); echo = the same bytes through the same server and client, no computing")


# ----------------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="fewer repeats (a smoke run)")
    parser.add_argument("--repeats", type=int, help="compute repeats per filter (default 25)")
    parser.add_argument("--edits", type=int, help="live edits per size (default 60)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    repeats = args.repeats or (7 if args.quick else 25)
    edits = args.edits or (15 if args.quick else 60)

    print("Kernel Lab benchmark: " + " ".join(["bench/kernels.py", *(argv or sys.argv[1:])]))
    for line in machine():
        print(line)

    side = 1024
    compute = compute_section(side, repeats)
    print_compute(side, compute, repeats)

    live = []
    with running_server() as base:
        token = session_token(base)
        ids = {s: upload_image(base, photo(s), token=token) for s in (512, 1024)}
        for s, preview in ((512, None), (1024, None), (1024, 512)):
            live.append(live_section(base, ids[s], s, preview, edits, token=token))
    print_live(live, edits)

    if args.json:
        args.json.write_text(json.dumps({"machine": machine(), "compute": compute,
                                         "live": live}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
