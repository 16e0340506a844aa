"""Runs side by side (GET /api/runs/compare, GET /api/rooms/{code}/runs): each run's settings
flattened to one level (the training config and a summary of its network), its curves on
shared axes and its final metrics, and the settings whose values differ between the runs.

Everything is read from a run's summary (server/training/summaries.py): a pruned run is one
already, a live run is summarized from its snapshot. Curves are downsampled there (at most
200 points each), so an answer stays small whatever the runs' lengths."""

from __future__ import annotations

import functools
import json
import math
from typing import Any

from server.errors import InvalidInput
from server.nn.analysis import analyze
from server.nn.spec import NetworkSpec

MIN_RUNS, MAX_RUNS = 2, 6
ID_LIMIT = 80  # characters in a run id (they are 16)
IDS = ["query", "ids"]
NETWORK_KEYS = ("network", "dataset", "network.layers", "network.params", "network.architecture")


def parse_ids(text: str) -> list[str]:
    """ids=run-a,run-b: 2 to 6 distinct run ids; 422 naming the value and the fix."""
    if len(text) > MAX_RUNS * (ID_LIMIT + 1):
        raise InvalidInput(f"ids: {len(text)} characters; at most {MAX_RUNS} run ids fit, "
                           "separated by commas (ids=run-a,run-b)", IDS)
    ids = [part.strip() for part in text.split(",") if part.strip()]
    if not MIN_RUNS <= len(ids) <= MAX_RUNS:
        count = "1 run" if len(ids) == 1 else f"{len(ids)} runs"
        raise InvalidInput(f"ids: {text!r} names {count}; compare {MIN_RUNS} to {MAX_RUNS} "
                           "runs, their ids separated by commas (ids=run-a,run-b; list yours "
                           "with GET /api/runs)", IDS)
    long = next((i for i in ids if len(i) > ID_LIMIT), None)
    if long is not None:
        raise InvalidInput(f"ids: {long[:24]!r}... is {len(long)} characters, longer than any "
                           "run id; copy the ids from GET /api/runs", IDS)
    twice = next((i for i in ids if ids.count(i) > 1), None)
    if twice is not None:
        raise InvalidInput(f"ids: {twice!r} is listed twice in {text!r}; list each run once",
                           IDS)
    return ids


@functools.lru_cache(maxsize=256)
def _network(spec_json: str) -> tuple[int, int, str]:
    """(parameters, layers, the layers in a few words) of a spec, cached by its JSON."""
    spec = NetworkSpec.model_validate_json(spec_json)
    params = analyze(spec).totals()["total_params"]
    words = []
    for layer in spec.layers:
        size = getattr(layer, "filters", None) or getattr(layer, "units", None)
        words.append(f"{layer.type} {size}" if size else layer.type)
    return params, len(spec.layers), ", ".join(words)


def _flat(prefix: str, values: dict[str, Any]) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, dict):
            flat.update(_flat(f"{prefix}{key}.", value))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def settings(summary: dict[str, Any]) -> dict[str, Any]:
    """One level of keys: the network and dataset, then training.* as the run was asked."""
    params, layers, words = _network(json.dumps(summary["spec"], sort_keys=True))
    return {"network": summary["network"], "dataset": summary["dataset"],
            "network.layers": layers, "network.params": params, "network.architecture": words,
            **_flat("training.", summary.get("training") or {}),
            "initial_model": summary.get("initial_model")}


def steps_per_epoch(steps: list[dict[str, Any]]) -> int | None:
    """As the run reported it, else (an older summary) the smallest count its points allow:
    a point of epoch e at step s means at least s / e steps an epoch."""
    told = [s["steps_per_epoch"] for s in steps if s.get("steps_per_epoch")]
    if told:
        return int(told[-1])
    bounds = [math.ceil(s["step"] / s["epoch"]) for s in steps if s.get("epoch")]
    return max(bounds) if bounds else None


def curves(summary: dict[str, Any]) -> dict[str, Any]:
    """Steps carry `progress` (epochs trained, a fraction) and epochs the `step` they ended
    at, so that both plot against steps or epochs alike."""
    kept = summary.get("curves") or {"steps": [], "epochs": []}
    per_epoch = steps_per_epoch(kept["steps"])
    steps = [{"step": s["step"], "epoch": s.get("epoch"), "loss": s.get("loss"),
              "accuracy": s.get("accuracy"), "learning_rate": s.get("learning_rate"),
              "progress": None if not per_epoch else round(s["step"] / per_epoch, 4)}
             for s in kept["steps"]]
    epochs = [{**e, "step": None if not per_epoch else e["epoch"] * per_epoch}
              for e in kept["epochs"]]
    return {"steps_per_epoch": per_epoch, "steps": steps, "epochs": epochs}


def final(summary: dict[str, Any]) -> dict[str, Any]:
    """The last metrics, and which accuracy stands for the run: validation, else the test
    set's (a run with no validation split), else training."""
    got, epochs = summary.get("final") or {}, (summary.get("curves") or {}).get("epochs") or []
    last = epochs[-1] if epochs else {}
    shown = {"loss": got.get("loss"), "accuracy": got.get("accuracy"),
             "val_loss": got.get("val_loss"), "val_accuracy": got.get("val_accuracy"),
             "test_accuracy": got.get("test_accuracy"),
             "map50": got["test_map50"] if got.get("test_map50") is not None
             else last.get("map50"),
             "epochs_done": got.get("epochs") or last.get("epoch") or 0,
             "learning_rate": got.get("learning_rate"),
             "train_seconds": got.get("train_seconds")}
    for source, key in (("validation", "val_accuracy"), ("test", "test_accuracy"),
                        ("training", "accuracy")):
        if shown[key] is not None:
            return {**shown, "accuracy_of_run": shown[key], "accuracy_source": source}
    return {**shown, "accuracy_of_run": None, "accuracy_source": None}


HEAD = ("id", "network", "dataset", "status", "pruned", "epoch", "epochs", "step", "created",
        "ended", "model_id", "message")


def entry(summary: dict[str, Any], viewer: str, who: dict[str, Any] | None = None,
          with_curves: bool = True) -> dict[str, Any]:
    """One run of a comparison; `yours` says whether the viewer owns it, `who` names its
    owner in a room (None elsewhere)."""
    shown = {key: summary.get(key) for key in HEAD}
    shown.update(yours=summary.get("owner") == viewer, who=who, settings=settings(summary),
                 final=final(summary))
    if with_curves:
        shown["curves"] = curves(summary)
    return shown


def differences(entries: list[dict[str, Any]]) -> list[str]:
    """The settings keys whose values are not the same in every run, in the table's order."""
    keys = ordered_keys(entries)
    return [k for k in keys if len({json.dumps(e["settings"].get(k)) for e in entries}) > 1]


def ordered_keys(entries: list[dict[str, Any]]) -> list[str]:
    keys = list(NETWORK_KEYS)
    for shown in entries:
        keys += [k for k in shown["settings"] if k not in keys]
    return keys


def comparison(entries: list[dict[str, Any]]) -> dict[str, Any]:
    return {"runs": entries, "settings": ordered_keys(entries),
            "differences": differences(entries)}
