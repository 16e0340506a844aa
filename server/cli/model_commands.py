"""`cnn-playground predict` and `cnn-playground models ...`: the model store from a shell.

They work on the models folder directly (no server needed), through the same code the
REST API uses, so a prediction here equals the API's for the same image.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from server.errors import PlaygroundError

RAW = argparse.RawDescriptionHelpFormatter
PREDICT_EXAMPLES = """examples:
  cnn-playground predict lenet-mnist-shipped-20261124-078ce5 digit.png
  cnn-playground predict MODEL photos/*.jpg --top-k 3 --json
"""
MODELS_EXAMPLES = """examples:
  cnn-playground models list
  cnn-playground models show MODEL
  cnn-playground models export MODEL -o lenet.zip
  cnn-playground models export MODEL --format onnx -o lenet.onnx
  cnn-playground models import lenet.zip
  cnn-playground models delete MODEL --yes
"""


def add_parsers(sub: Any) -> None:
    predict = sub.add_parser("predict", help="classify images with a stored model",
                             epilog=PREDICT_EXAMPLES, formatter_class=RAW)
    predict.add_argument("model", help="a model id (see `cnn-playground models list`)")
    predict.add_argument("images", nargs="+", type=Path, help="image files")
    predict.add_argument("--top-k", type=int, default=3, help="classes shown per image")
    predict.add_argument("--json", action="store_true", help="print JSON instead of a table")
    predict.add_argument("--models-dir", type=Path, help="default CNNPG_MODELS_DIR")
    models = sub.add_parser("models", help="list, show, export, import or delete models",
                            epilog=MODELS_EXAMPLES, formatter_class=RAW)
    actions = models.add_subparsers(dest="action", required=True)
    for name, text in (("list", "every model, damaged ones with the reason"),
                       ("show", "a model's manifest and layers"),
                       ("export", "write a model as a zip (or ONNX)"),
                       ("import", "add a model from an exported zip"),
                       ("delete", "remove a model")):
        action = actions.add_parser(name, help=text, epilog=MODELS_EXAMPLES,
                                    formatter_class=RAW)
        action.add_argument("--models-dir", type=Path, help="default CNNPG_MODELS_DIR")
        action.add_argument("--json", action="store_true", help="print JSON")
        if name in ("show", "export", "delete"):
            action.add_argument("model", help="a model id")
        if name == "export":
            action.add_argument("-o", "--output", type=Path, help="default MODEL.zip / .onnx")
            action.add_argument("--format", choices=["zip", "onnx"], default="zip")
        if name == "import":
            action.add_argument("archive", type=Path, help="a zip made by `models export`")
        if name == "delete":
            action.add_argument("--yes", action="store_true", help="do not ask")


def _store(args: argparse.Namespace) -> Any:
    from server.config import Settings
    from server.store import ModelStore

    return ModelStore(args.models_dir or Settings().models_dir)


def predict(args: argparse.Namespace) -> int:
    from server.config import Settings
    from server.imaging import IntakeLimits
    from server.inference.answers import top_k
    from server.inference.predictor import Predictor
    from server.inference.preprocess import prepare

    settings = Settings()
    limits = IntakeLimits(settings.max_upload_bytes, settings.max_image_pixels)
    try:
        loaded = Predictor(_store(args)).get(args.model)
    except PlaygroundError as exc:
        return _fail(exc)
    if loaded.detector:
        print(f"error: model {loaded.id} is a detector: it finds boxes, not one class per "
              f"picture; use `cnn-playground detect {loaded.id} ...`", file=sys.stderr)
        return 1
    results: list[dict[str, Any]] = []
    failed = 0
    for path in args.images:
        pixels = read_pixels(path, limits)
        if isinstance(pixels, str):
            failed += 1
            results.append({"file": str(path), "error": pixels})
            continue
        prepared = prepare(pixels, loaded.preprocessing)
        row = top_k(loaded, loaded.probabilities(prepared.tensor)[0], args.top_k)
        results.append({"file": str(path), "predictions": row, "steps": prepared.steps})
    if args.json:
        print(json.dumps({"model_id": loaded.id, "results": results}, indent=1))
    else:
        width = max(len(r["file"]) for r in results)
        for r in results:
            shown = r.get("error") or "  ".join(
                f"{p['label']} {p['probability']:6.1%}" for p in r["predictions"])
            print(f"{r['file']:{width}}  {shown}")
    return 1 if failed else 0


def read_pixels(path: Path, limits: Any) -> Any:
    """A picture file's pixels (H x W x C uint8), or why it cannot be used: the line the
    `predict` and `detect` tables print for it."""
    from server.imaging import decode_image

    try:
        return decode_image(path.read_bytes()[:limits.max_bytes + 1], limits).pixels
    except OSError as exc:
        return f"cannot read it ({exc.strerror})"
    except PlaygroundError as exc:
        return exc.msg


def _fail(exc: PlaygroundError) -> int:
    print(f"error: {exc.msg}", file=sys.stderr)
    return 1


def models(args: argparse.Namespace) -> int:
    store = _store(args)
    try:
        if args.action == "list":
            return _list(store, args.json)
        if args.action == "show":
            return _show(store, args.model, args.json)
        if args.action == "export":
            return _export(store, args)
        if args.action == "import":
            return _import(store, args)
        return _delete(store, args)
    except PlaygroundError as exc:
        return _fail(exc)


def _list(store: Any, as_json: bool) -> int:
    from server.store.listing import listing

    rows = [listing(e) for e in store.entries()]
    if as_json:
        print(json.dumps(rows, indent=1))
        return 0
    if not rows:
        print(f"no models in {store.root}")
    for r in rows:
        accuracy = "" if r["test_accuracy"] is None else f"{r['test_accuracy']:.2%}"
        state = f"DAMAGED: {r['damaged']}" if r["damaged"] else (r["dataset"] or "")
        print(f"{r['id']:44} {accuracy:>7} {state:14} {r['name']}")
    return 0


def _show(store: Any, model_id: str, as_json: bool) -> int:
    from server.nn.analysis import analyze

    spec, _, manifest = store.load(model_id)
    summary = analyze(spec).summary()
    if as_json:
        print(json.dumps({"manifest": manifest.to_dict(), "summary": summary}, indent=1))
        return 0
    print(f"{manifest.name} ({model_id})")
    print(f"  dataset {manifest.dataset}, classes {', '.join(manifest.classes)}")
    if manifest.test_accuracy is not None:
        print(f"  test accuracy {manifest.test_accuracy:.2%}")
    print(f"  {summary['total_params']:,} parameters, created {manifest.created}")
    for layer in summary["layers"]:
        shape = "x".join(str(v) for v in layer["output_shape"])
        print(f"  {layer['index']:3} {layer['type']:18} {shape:>14} {layer['params']:>12,}")
    return 0


def _export(store: Any, args: argparse.Namespace) -> int:
    if args.format == "onnx":
        from server.store.onnx import export_onnx

        spec, model, _ = store.load(args.model)
        data = export_onnx(spec, model)
    else:
        from server.store.archive import export_zip

        data = export_zip(store, args.model)
    output = args.output or Path(f"{args.model}.{args.format}")
    output.write_bytes(data)
    print(f"wrote {output} ({len(data):,} bytes)")
    return 0


def _import(store: Any, args: argparse.Namespace) -> int:
    from server.config import Settings
    from server.nn.analysis import NetworkLimits
    from server.store.archive import import_zip

    settings = Settings()
    limits = NetworkLimits(max_params=settings.max_params,
                           max_activation_bytes=settings.max_activation_bytes)
    try:
        data = args.archive.read_bytes()
    except OSError as exc:
        print(f"error: cannot read {args.archive}: {exc.strerror}", file=sys.stderr)
        return 1
    model_id = import_zip(store, data, limits, settings.max_model_bytes)
    print(f"imported as {model_id}")
    return 0


def _delete(store: Any, args: argparse.Namespace) -> int:
    store.entry(args.model)  # unknown ids fail before the question
    if not args.yes:
        answer = input(f"delete model {args.model}? [y/N] ").strip().lower()
        if answer not in ("y", "yes"):
            print("nothing deleted")
            return 1
    store.delete(args.model)
    print(f"deleted {args.model}")
    return 0
