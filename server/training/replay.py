"""Replay: a run's kept points (server/training/history.py) as the API shows them, from a
live or finished run (the frames it streamed, kept by the server as they passed) or from a
stored model (the history saved beside its weights); and a point forked into a new model.

A point's answer has the shapes of the live events: `activations` and `filters` with their
blocks and their uint8 data base64-encoded (docs/protocol.md), `prediction` as the live
event, and `evaluation`: the last epoch evaluated at that point (val accuracy, loss,
confusion matrix), or null before the first epoch ended.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from safetensors import SafetensorError, safe_open

from server.errors import NotFound
from server.training.runs import Run

KINDS = ("activations", "filters", "prediction")
SKIP = ("run_id", "seq", "time", "dropped", "type", "point", "step", "epoch")


def _no_point(n: int, count: int, what: str) -> NotFound:
    last = f"0 to {count - 1}" if count else "none: it kept no replay points"
    return NotFound(f"point {n} is not kept by {what}: its points are {last}; list them with "
                    "GET .../history", ["path", "point"])


def _evaluation(epochs: list[dict[str, Any]], done: int,
                classes: list[str]) -> dict[str, Any] | None:
    found = [e for e in epochs if int(e.get("epoch") or 0) <= done]
    if not found:
        return None
    keep = ("epoch", "val_loss", "val_accuracy", "confusion_matrix", "per_class")
    return {k: found[-1].get(k) for k in keep} | {"classes": classes}


def run_points(run: Run) -> dict[str, Any]:
    points = [{"point": n, **{k: p["meta"][k] for k in ("step", "epoch", "epochs_done")}}
              for n, p in sorted(run.points.items()) if all(k in p for k in KINDS)]
    return {"run_id": run.id, "points": points, "model_id": run.model_id}


def run_point(run: Run, n: int) -> dict[str, Any]:
    point = run.points.get(n)
    if point is None or not all(k in point for k in KINDS):
        raise _no_point(n, len(run.points), f"run {run.id}")
    out: dict[str, Any] = {"point": n, **point["meta"]}
    for kind in KINDS:
        event = {k: v for k, v in point[kind].items() if k not in SKIP}
        if "data" in event:
            event["data"] = base64.b64encode(event["data"]).decode()
        out[kind] = event
    out["evaluation"] = _evaluation(run.epochs, int(point["meta"]["epochs_done"]),
                                    list(point["prediction"].get("classes") or []))
    return out


def _saved(folder: Path, model_id: str) -> dict[str, Any]:
    try:
        meta = json.loads((folder / "history.json").read_text())
    except (OSError, ValueError):
        raise NotFound(f"model {model_id!r} has no replay history (models saved by a run, "
                       "or checkpointed from one, keep one; imported models, detectors and "
                       "runs with CNNPG_RUN_HISTORY_BYTES=0 do not)",
                       ["model_id"]) from None
    return dict(meta)


def model_points(folder: Path, model_id: str) -> dict[str, Any]:
    meta = _saved(folder, model_id)
    return {"model_id": model_id, "budget_bytes": meta.get("budget_bytes"),
            "points": [{k: p[k] for k in ("point", "step", "epoch", "epochs_done")}
                       for p in meta["points"]]}


def model_point(folder: Path, model_id: str, n: int,
                epochs: list[dict[str, Any]]) -> dict[str, Any]:
    meta = _saved(folder, model_id)
    if not 0 <= n < len(meta["points"]):
        raise _no_point(n, len(meta["points"]), f"model {model_id}")
    point = dict(meta["points"][n])
    with (folder / "history.bin").open("rb") as stream:
        for kind in ("activations", "filters"):
            part = dict(point[kind])
            stream.seek(int(part.pop("offset")))
            part["data"] = base64.b64encode(stream.read(int(part.pop("length")))).decode()
            point[kind] = part
    point["evaluation"] = _evaluation(epochs, int(point["epochs_done"]),
                                      list(point["prediction"].get("classes") or []))
    return point


def point_weights(folder: Path, model_id: str, n: int) -> dict[str, Any]:
    """The weights kept at point n (a state dict)."""
    count = len(_saved(folder, model_id)["points"])
    if not 0 <= n < count:
        raise _no_point(n, count, f"model {model_id}")
    prefix = f"{n}/"
    try:
        with safe_open(str(folder / "history.safetensors"), "pt") as weights:
            return {k[len(prefix):]: weights.get_tensor(k) for k in weights.keys()  # noqa: SIM118
                    if k.startswith(prefix)}
    except (OSError, SafetensorError) as exc:
        raise NotFound(f"model {model_id!r}: its replay weights cannot be read ({exc})",
                       ["model_id"]) from None
