"""The typed event union is the contract: every event a real run emits validates against
it, and docs/protocol.md describes every type."""

from __future__ import annotations

import json
import queue
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import torch
from fastapi.testclient import TestClient
from pydantic import ValidationError

from server.config import Settings
from server.datasets.registry import DatasetRegistry
from server.nn.presets import Presets
from server.training.control import QueueControl
from server.training.events import EVENT_TYPES, Metrics, parse_event
from server.training.session import Session
from server.training.spec import RunRequest, TrainingConfig
from training.run_helpers import start

ROOT = Path(__file__).resolve().parents[2]


def test_every_event_of_a_real_loop_validates() -> None:
    settings = Settings()
    request = RunRequest(network={"preset": "lenet-mnist"}, dataset="mnist",
                         training=TrainingConfig(epochs=2, batch_size=32, max_train_samples=300,
                                                 learning_rate=0.01))
    datasets = DatasetRegistry(settings.datasets_dir)
    session = Session.build(request, Presets(settings.presets_dir), datasets)
    events: list[dict[str, Any]] = []
    commands: queue.Queue[dict[str, Any]] = queue.Queue()
    trainer = session.trainer(events.append, QueueControl(commands), torch.device("cpu"),
                              0.01, 0.01)
    commands.put({"op": "set_lr", "value": 0.005})
    assert trainer.run() == "finished"
    kinds = {parse_event(event).type for event in events}
    assert {"step", "epoch", "lr", "activations", "filters", "prediction", "samples"} <= kinds
    metrics = session.metrics(trainer, session.test_accuracy(trainer, datasets), 1.5)
    assert Metrics.model_validate(metrics).epochs == 2
    assert set(metrics) == set(Metrics.model_fields)


@pytest.mark.parametrize("event", [
    {"type": "step", "epoch": 1},  # fields missing
    {"type": "status", "status": "exploded", "message": ""},  # not a status
    {"type": "nonsense"},
    {"type": "lr", "learning_rate": 0.1, "surprise": 1},  # not in the contract
])
def test_the_union_refuses_what_the_protocol_does_not_promise(event: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        parse_event(event)


@pytest.mark.slow
def test_every_event_a_viewer_receives_validates(make_client: Callable[..., TestClient],
                                                 tmp_path: Path) -> None:
    client = make_client(models_dir=tmp_path / "models", warm_workers=1,
                         max_concurrent_runs=1, stream_interval=0.05, probe_interval=0.1)
    first = start(client, epochs=1)
    second = start(client, epochs=1)  # waits behind the first: queue events
    seen: set[str] = set()
    with client.websocket_connect(f"/ws/runs/{second}") as ws:
        snapshot = ws.receive_json()
        for event in snapshot["steps"] + snapshot["epochs"]:
            seen.add(parse_event(event).type)
        while True:
            message = ws.receive()
            if "text" not in message:
                continue
            event = json.loads(message["text"])
            parsed = parse_event(event)
            assert parsed.run_id == second
            assert parsed.seq is not None
            seen.add(parsed.type)
            if parsed.type == "status" and event["status"] in ("finished", "failed"):
                assert event["status"] == "finished"
                break
    with client.websocket_connect(f"/ws/runs/{first}") as ws:  # finished: its snapshot
        snapshot = ws.receive_json()
        for event in [*snapshot["steps"], *snapshot["epochs"],
                      *snapshot["latest"].values()]:
            parse_event(event)
    assert {"status", "step", "epoch", "model", "activations", "filters", "prediction",
            "samples"} <= seen
    assert "queue" in seen  # it waited behind the first run and was told its place


def test_protocol_doc_describes_every_event_type() -> None:
    text = (ROOT / "docs" / "protocol.md").read_text()
    table = set(re.findall(r"^\| `([a-z_]+)` \|", text, re.MULTILINE))
    assert set(EVENT_TYPES) <= table, f"undocumented: {set(EVENT_TYPES) - table}"
