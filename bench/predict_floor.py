"""The framework floor of bench/predict.py: a minimal FastAPI app that takes the same
multipart uploads as the classification API and answers a constant, served by uvicorn in a
subprocess with the options of `cnn-playground serve`.

    python -m bench.predict_floor --port P

Whatever the classification API spends above this floor is ours (decode, preprocessing,
batching, the forward pass, the answer); the floor itself is FastAPI, python-multipart,
uvicorn and the loopback socket.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from fastapi import FastAPI, File, UploadFile

from bench.harness import running_server

CONSTANT: dict[str, Any] = {
    "model_id": "floor",
    "predictions": [{"label": "0", "index": 0, "probability": 1.0}],
}


def create_floor_app() -> FastAPI:
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/predict")
    async def predict(file: UploadFile = File(...)) -> dict[str, Any]:
        await file.read()
        await file.close()
        return CONSTANT

    @app.post("/predict/batch")
    async def predict_batch(files: list[UploadFile] = File(...)) -> dict[str, Any]:
        results = []
        for upload in files:
            await upload.read()
            await upload.close()
            results.append({"filename": upload.filename,
                            "predictions": CONSTANT["predictions"]})
        return {"results": results}

    return app


@contextmanager
def running_floor(startup_timeout: float = 60.0) -> Iterator[str]:
    """Start `python -m bench.predict_floor` on a free port; yield its base URL; stop it."""
    with running_server(startup_timeout, module="bench.predict_floor",
                        health="/health") as base:
        yield base


def main(argv: Sequence[str] | None = None) -> int:
    import uvicorn

    parser = argparse.ArgumentParser(prog="python -m bench.predict_floor")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    uvicorn.run(create_floor_app(), host="127.0.0.1", port=args.port, log_level="warning",
                ws_per_message_deflate=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
