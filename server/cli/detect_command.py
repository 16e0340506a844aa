"""`cnn-playground detect`: find the objects in pictures with a stored detector, from a
shell, through the same code as POST /api/models/{id}/detect (no server needed)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from server.errors import PlaygroundError

EXAMPLES = """examples:
  cnn-playground train --preset yolo-tiny-mnist --dataset mnist-detect --epochs 10 --lr 0.003
  cnn-playground detect MODEL scene.png
  cnn-playground detect MODEL photos/*.png --score-threshold 0.4 --json
"""


def add_parser(sub: Any) -> None:
    detect = sub.add_parser("detect", help="find objects (boxes) with a stored detector",
                            epilog=EXAMPLES,
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    detect.add_argument("model", help="a detector's model id (see `cnn-playground models "
                        "list`)")
    detect.add_argument("images", nargs="+", type=Path, help="image files")
    detect.add_argument("--score-threshold", type=float, default=0.25,
                        help="drop boxes scoring below this (0 to 1; default 0.25)")
    detect.add_argument("--iou-threshold", type=float, default=0.5,
                        help="NMS removes boxes overlapping a better one by more (default 0.5)")
    detect.add_argument("--json", action="store_true", help="print JSON instead of a table")
    detect.add_argument("--models-dir", type=Path, help="default CNNPG_MODELS_DIR")


def detect(args: argparse.Namespace) -> int:
    from server.cli.model_commands import read_pixels
    from server.config import Settings
    from server.imaging import IntakeLimits
    from server.inference.detect import detect_picture
    from server.inference.predictor import Predictor
    from server.inference.preprocess import prepare
    from server.store import ModelStore

    for name in ("score_threshold", "iou_threshold"):
        value = getattr(args, name)
        if not 0.0 <= value <= 1.0:
            print(f"error: --{name.replace('_', '-')} {value} is outside 0 to 1",
                  file=sys.stderr)
            return 2
    settings = Settings()
    limits = IntakeLimits(settings.max_upload_bytes, settings.max_image_pixels)
    try:
        loaded = Predictor(ModelStore(args.models_dir or settings.models_dir)).get(args.model)
    except PlaygroundError as exc:
        print(f"error: {exc.msg}", file=sys.stderr)
        return 1
    if not loaded.detector:
        print(f"error: model {loaded.id} is a classifier: it finds no boxes; use "
              f"`cnn-playground predict {loaded.id} ...`", file=sys.stderr)
        return 1
    results: list[dict[str, Any]] = []
    for path in args.images:
        pixels = read_pixels(path, limits)
        if isinstance(pixels, str):
            results.append({"file": str(path), "error": pixels})
            continue
        try:
            found = detect_picture(loaded, prepare(pixels, loaded.preprocessing),
                                   pixels.shape[:2], args.score_threshold, args.iou_threshold)
        except PlaygroundError as exc:  # the model cannot run: no picture will do
            print(f"error: {exc.msg}", file=sys.stderr)
            return 1
        results.append({"file": str(path), "detections": found["detections"]})
    if args.json:
        print(json.dumps({"model_id": loaded.id, "results": results}, indent=1))
    else:
        for r in results:
            print(f"{r['file']}: " + (r.get("error") or _boxes(r["detections"])))
    return 1 if any("error" in r for r in results) else 0


def _boxes(detections: list[dict[str, Any]]) -> str:
    if not detections:
        return "nothing found"
    return "; ".join(f"{d['label']} {d['score']:.0%} at x {d['picture_box'][0]:.0f}, "
                     f"y {d['picture_box'][1]:.0f}, {d['picture_box'][2]:.0f}x"
                     f"{d['picture_box'][3]:.0f}" for d in detections)
