"""The `cnn-playground` command (also `python -m server`)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

from server.cli import detect_command, model_commands
from server.training import headless

EXAMPLES = """examples:
  cnn-playground serve --port 8000
  cnn-playground train --preset lenet-mnist --dataset mnist --epochs 3
  cnn-playground predict MODEL digit.png
  cnn-playground models list
  cnn-playground datasets download fashion-mnist
Every command has its own --help.
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cnn-playground", description=__doc__,
                                     epilog=EXAMPLES,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    raw = argparse.RawDescriptionHelpFormatter
    serve = sub.add_parser("serve", help="start the web app", formatter_class=raw,
                           epilog="examples:\n  cnn-playground serve\n"
                                  "  cnn-playground serve --host 0.0.0.0 --port 8080 "
                                  "--models-dir /data/models\n")
    serve.add_argument("--host", help="interface to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default 8000)")
    serve.add_argument("--models-dir", type=Path, help="where trained models live")
    serve.add_argument("--log-level", default="info")
    examples = ("examples:\n  cnn-playground datasets list\n"
                "  cnn-playground datasets download cifar10\n"
                "  cnn-playground datasets download mnist --mirror http://127.0.0.1:8080/\n")
    datasets = sub.add_parser("datasets", help="list or download datasets", epilog=examples,
                              formatter_class=raw).add_subparsers(dest="action", required=True)
    listing = datasets.add_parser("list", help="what is available locally", epilog=examples,
                                  formatter_class=raw)
    listing.add_argument("--dir", type=Path, help="datasets folder (default CNNPG_DATASETS_DIR)")
    get = datasets.add_parser("download", help="download a full dataset (needs internet)",
                              epilog=examples, formatter_class=raw)
    get.add_argument("name", choices=["mnist", "fashion-mnist", "cifar10", "cats-vs-dogs"])
    get.add_argument("--dir", type=Path, help="datasets folder (default CNNPG_DATASETS_DIR)")
    get.add_argument("--mirror", action="append",
                     help="base URL to try instead of the built-in mirrors (repeatable)")
    headless.add_parser(sub)
    model_commands.add_parsers(sub)
    detect_command.add_parser(sub)
    return parser


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    from server.config import WS_MAX_BYTES, Settings
    from server.main import create_app

    overrides = {k: v for k, v in (("host", args.host), ("port", args.port),
                                   ("models_dir", args.models_dir)) if v is not None}
    try:
        settings = Settings(**overrides)
        app = create_app(settings)
    except ValidationError as exc:  # a setting out of range: say which, and stop
        for error in exc.errors():
            # A list's item is at [name, index]: the setting is the name.
            name = "CNNPG_" + "_".join(p for p in error["loc"] if isinstance(p, str)).upper()
            print(f"error: {name}={error.get('input')!r}: {error['msg']}", file=sys.stderr)
        return 2
    except ValueError as exc:  # settings that cannot work together (engine_config)
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"CNN Playground on http://{settings.host}:{settings.port}/", flush=True)
    # Frames of pixels are already compact; per-message deflate would cost ~20x throughput.
    # Proxy headers: only from CNNPG_TRUSTED_PROXIES (uvicorn would trust 127.0.0.1).
    uvicorn.run(app, host=settings.host, port=settings.port, log_level=args.log_level,
                ws_per_message_deflate=False, ws_max_size=WS_MAX_BYTES,
                forwarded_allow_ips=settings.trusted_proxies)
    return 0


def datasets(args: argparse.Namespace) -> int:
    from server.config import Settings
    from server.datasets.download import DownloadError, download
    from server.datasets.registry import KNOWN, DatasetRegistry

    folder = args.dir if getattr(args, "dir", None) else Settings().datasets_dir
    if args.action == "download":
        try:
            path = download(args.name, folder, mirrors=tuple(args.mirror or ()) or None)
        except DownloadError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        print(f"{args.name}: verified and saved in {path}")
        return 0
    registry = DatasetRegistry(folder)
    for name in KNOWN:
        info = registry.describe(name)
        where = info["variant"] or "not downloaded"
        counts = ", ".join(f"{k} {v:,}" for k, v in info["counts"].items())
        print(f"{name:14} {where:16} {counts:28} {info['title']}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "serve":
        return serve(args)
    if args.command == "train":
        return headless.run(args)
    if args.command == "predict":
        return model_commands.predict(args)
    if args.command == "models":
        return model_commands.models(args)
    if args.command == "detect":
        return detect_command.detect(args)
    return datasets(args)
