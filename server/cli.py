"""The `cnn-playground` command (also `python -m server`)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cnn-playground", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="start the web app")
    serve.add_argument("--host", help="interface to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default 8000)")
    serve.add_argument("--models-dir", type=Path, help="where trained models live")
    serve.add_argument("--log-level", default="info")
    return parser


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    from server.config import Settings
    from server.main import create_app

    overrides = {k: v for k, v in (("host", args.host), ("port", args.port),
                                   ("models_dir", args.models_dir)) if v is not None}
    settings = Settings(**overrides)
    app = create_app(settings)
    print(f"CNN Playground on http://{settings.host}:{settings.port}/", flush=True)
    # Frames of pixels are already compact; per-message deflate would cost ~20x throughput.
    uvicorn.run(app, host=settings.host, port=settings.port, log_level=args.log_level,
                ws_per_message_deflate=False)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "serve":
        return serve(args)
    return 2  # argparse already refuses unknown commands
