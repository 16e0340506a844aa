"""Everything a run needs, built from a RunRequest: the spec, the data, the trainer, and
saving the result to the model store. Shared by the CLI and the worker process."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from server.datasets.registry import DatasetInfo, DatasetRegistry, Preprocessing
from server.errors import InvalidInput
from server.nn.analysis import analyze
from server.nn.build import build_model
from server.nn.presets import Presets
from server.nn.spec import NetworkSpec
from server.store import ModelStore
from server.text.marks import translatable
from server.training.data import Prepared, adapt, prepare, to_tensor
from server.training.detection_checks import is_detection, validate_detection
from server.training.events import Metrics
from server.training.history import History
from server.training.loop import Control, Emit, Trainer
from server.training.spec import RunRequest
from server.training.watch import Watcher


def resolve_network(network: dict[str, Any], presets: Presets) -> tuple[NetworkSpec, str]:
    """(spec, a name for it) from a spec or {"preset": id}; errors located under network."""
    if set(network) == {"preset"}:
        preset = presets.get(str(network["preset"]))
        return preset.spec, preset.name
    spec = NetworkSpec.model_validate(network)
    analysis = analyze(spec)
    if analysis.errors:
        first = analysis.errors[0]
        raise InvalidInput(first.msg, ["network", *first.loc], code=first.code,
                           params=first.params)
    return spec, translatable("custom network")


def pick_device(choice: str) -> torch.device:
    if choice == "cuda" and not torch.cuda.is_available():
        raise InvalidInput("device 'cuda' was asked for but this server has no CUDA GPU; use "
                           "'auto' or 'cpu'", ["training", "device"], code="no_cuda")
    if choice == "cpu" or not torch.cuda.is_available():
        return torch.device("cpu")
    return torch.device("cuda")


MIN_PER_CLASS = 5  # pictures a class of your own dataset needs before it can be trained


def fit_preset(spec: NetworkSpec, info: DatasetInfo) -> NetworkSpec:
    """A preset made to take your dataset: its input the dataset's size and channels, its
    last dense layer one unit per class (errors, such as a pooling layer that no longer
    fits a small picture, are reported against the adapted network)."""
    pre, raw = info.preprocessing, spec.model_dump()
    raw["input"] = {**raw["input"], "channels": pre.channels, "height": pre.height,
                    "width": pre.width}
    dense = [i for i, layer in enumerate(raw["layers"]) if layer.get("type") == "dense"]
    if dense:
        raw["layers"][dense[-1]]["units"] = len(info.classes)
    adapted = NetworkSpec.model_validate(raw)
    analysis = analyze(adapted)
    if analysis.errors:
        first = analysis.errors[0]
        # type and ctx stay the network check's; ctx also says what the preset was fitted
        # to, so a page can write the whole sentence (training.js: withPreset)
        raise InvalidInput(f"the preset, made to take {pre.width}x{pre.height} pictures: "
                           f"{first.msg}", ["network", *first.loc], code=first.code,
                           params={**first.params, "preset_size": f"{pre.width}x{pre.height}"})
    return adapted


def check_user_classes(info: DatasetInfo, counts: dict[str, int]) -> None:
    """At least 2 classes, each with MIN_PER_CLASS pictures: 422 naming the class."""
    if len(info.classes) < 2:
        raise InvalidInput(f"dataset {info.title!r} has {len(info.classes)} class; a network "
                           "learns to tell classes apart: add a second class", ["dataset"],
                           code="dataset_one_class",
                           params={"dataset": info.title, "classes": len(info.classes)})
    for label, count in counts.items():
        if count < MIN_PER_CLASS:
            raise InvalidInput(f"class {label!r} of dataset {info.title!r} has {count} "
                               f"pictures; add at least {MIN_PER_CLASS - count} more (each "
                               f"class needs {MIN_PER_CLASS})", ["dataset"],
                               code="class_too_small",
                               params={"label": label, "dataset": info.title, "count": count,
                                       "more": MIN_PER_CLASS - count, "min": MIN_PER_CLASS})


def validate_request(request: RunRequest, presets: Presets, datasets: DatasetRegistry,
                     local_device: bool = True) -> tuple[NetworkSpec, str]:
    """Every check that does not need the whole dataset, so POST /api/runs answers at once.
    local_device: the run trains on this machine (not on a Ray cluster, whose executor
    checks the device against its actors' instead)."""
    spec, name = resolve_network(request.network, presets)
    if is_detection(request, spec, datasets):
        spec, _ = validate_detection(request, spec, datasets)
        if local_device:
            pick_device(request.training.device)
        return spec, name
    info = datasets.info(request.dataset)
    if datasets.is_user(request.dataset):
        _, labels = datasets.load(request.dataset, "train")
        _, held = datasets.load(request.dataset, "test")
        check_user_classes(info, {c: int((labels == i).sum() + (held == i).sum())
                                  for i, c in enumerate(info.classes)})
        if set(request.network) == {"preset"}:
            spec = fit_preset(spec, info)
    if datasets.folder(request.dataset) is None:
        raise InvalidInput(f"dataset {request.dataset!r} is not on this machine; run "
                           f"`cnn-playground datasets download {request.dataset}`", ["dataset"],
                           code="dataset_not_downloaded", params={"dataset": request.dataset})
    last_units = analyze(spec).rows[-1]["output_shape"]
    if last_units != [len(info.classes)]:
        raise InvalidInput(
            f"the network ends in {last_units} outputs but {request.dataset} has "
            f"{len(info.classes)} classes; make the last dense layer {len(info.classes)} units",
            ["network", "layers", len(spec.layers) - 1], code="outputs_classes_mismatch",
            params={"outputs": str(last_units), "dataset": request.dataset,
                    "classes": len(info.classes)})
    images, _ = datasets.load(request.dataset, "train")
    adapt(images[:1], info.preprocessing, spec, [])  # raises when the input cannot fit
    if local_device:
        pick_device(request.training.device)
    return spec, name


@dataclass
class Session:
    request: RunRequest
    spec: NetworkSpec
    network_name: str
    classes: list[str]
    data: Prepared

    @classmethod
    def build(cls, request: RunRequest, presets: Presets,
              datasets: DatasetRegistry) -> Session:
        """From a request as it came in (the command line): its network is parsed here."""
        spec, name = validate_request(request, presets, datasets)
        return cls.from_spec(request, spec, name, datasets)

    @classmethod
    def from_spec(cls, request: RunRequest, spec: NetworkSpec, name: str,
                  datasets: DatasetRegistry) -> Session:
        """From a request whose network was parsed and checked where it came in (the
        server's route): the worker builds the run from that spec, never from the dict."""
        info = datasets.info(request.dataset)
        images, labels = datasets.load(request.dataset, "train")
        cfg = request.training
        if cfg.max_train_samples and cfg.max_train_samples < len(labels):
            keep = np.random.default_rng(cfg.seed).permutation(len(labels))
            keep = np.sort(keep[: cfg.max_train_samples])
            images, labels = images[keep], labels[keep]
        data = prepare(images, labels, info.preprocessing, spec, cfg.validation_split, cfg.seed,
                       stratify=datasets.is_user(request.dataset))
        return cls(request, spec, name, list(info.classes), data)

    @property
    def notes(self) -> list[str]:
        return self.data.notes

    def final_metrics(self, trainer: Trainer, datasets: DatasetRegistry,
                      seconds: float) -> dict[str, Any]:
        """The metrics saved with the model at the end of a run (test accuracy included)."""
        return self.metrics(trainer, self.test_accuracy(trainer, datasets), seconds)

    def trainer(self, emit: Emit, control: Control, device: torch.device,
                step_interval: float = 0.25, probe_interval: float | None = None,
                history_bytes: int = 0) -> Trainer:
        """probe_interval: seconds between activation/filter snapshots (None: no probes);
        history_bytes: the replay history's budget (0: none kept)."""
        torch.manual_seed(self.request.training.seed)
        watcher = None if probe_interval is None else Watcher(
            self.data, self.classes, [layer.type for layer in self.spec.layers], emit,
            probe_interval, History(history_bytes) if history_bytes > 0 else None)
        return Trainer(build_model(self.spec), self.data, self.request.training, self.classes,
                       emit, control, device, step_interval, watcher)

    def metrics(self, trainer: Trainer, test_accuracy: float | None = None,
                train_seconds: float | None = None) -> dict[str, Any]:
        """The saved model's metrics, one shape for the worker, checkpoints and the CLI."""
        history = trainer.state.history
        last = history[-1] if history else {}
        return Metrics(val_accuracy=last.get("val_accuracy"), val_loss=last.get("val_loss"),
                       epochs=len(history), test_accuracy=test_accuracy,
                       train_seconds=train_seconds, device=trainer.device.type).model_dump()

    def test_accuracy(self, trainer: Trainer, datasets: DatasetRegistry) -> float:
        images, labels = datasets.load(self.request.dataset, "test")
        adapted, pre = adapt(images, datasets.info(self.request.dataset).preprocessing,
                             self.spec, [])
        _, predicted = trainer.predict(to_tensor(adapted, pre))
        return float((predicted.cpu() == torch.from_numpy(labels)).float().mean())

    def save(self, trainer: Trainer, store: ModelStore, name: str, run_id: str | None,
             metrics: dict[str, Any], owner: str = "",
             extra: dict[str, Any] | None = None) -> str:
        """owner: the session the model belongs to (private to it); "" for a public model
        (the CLI's). The weights are copied to the CPU; the trainer's model stays put."""
        pre: Preprocessing = self.data.preprocessing
        manifest = run_manifest(self.request, self.network_name, trainer, pre, metrics,
                                run_id, self.data.notes, owner)
        manifest |= {"classes": self.classes, **(extra or {})}
        history = getattr(trainer.watcher, "history", None)
        files = history.files() if history is not None and run_id else {}
        return store.save(name, self.spec, trainer.model, manifest, files)

    def start_from(self, trainer: Trainer, store: ModelStore) -> None:
        load_initial(self.request, trainer.model, store)


def run_manifest(request: RunRequest, network_name: str, trainer: Trainer,
                 pre: Preprocessing, metrics: dict[str, Any], run_id: str | None,
                 notes: list[str], owner: str) -> dict[str, Any]:
    """What every trained model's manifest says of its run (a classifier's and a
    detector's alike): input, preprocessing, dataset, training, metrics and history, who
    owns it (private to that session; "" for a public model, the CLI's)."""
    manifest = {
        "input_shape": [pre.channels, pre.height, pre.width],
        "preprocessing": pre.describe(), "dataset": request.dataset, "network": network_name,
        "training": json.loads(request.training.model_dump_json()),
        "seed": request.training.seed, "metrics": metrics,
        "history": trainer.state.history, "parent_run": run_id, "notes": notes,
        "initial_model": request.initial_model,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    if owner:
        manifest |= {"owner": owner, "visibility": "private"}
    return manifest


def point_checkpoint(session: Session, trainer: Trainer, store: ModelStore,
                     command: dict[str, Any]) -> dict[str, Any]:
    """A replay point of this live run saved as a model of the asker's: the weights as they
    were at that point, with the epochs evaluated by then. {model_id, epoch, step}."""
    history = getattr(trainer.watcher, "history", None)
    number = int(command["point"])
    if history is None or not 0 <= number < len(history.points):
        kept = len(history.points) if history is not None else 0
        raise InvalidInput(f"point {number} is not kept by this run yet ({kept} kept so "
                           "far); list them with GET /api/runs/{id}/history", ["point"])
    point = history.points[number]
    model = build_model(session.spec)
    model.load_state_dict(history.state(number), strict=True)
    done = int(point["epochs_done"])
    evaluated = trainer.state.history[:done]
    last = evaluated[-1] if evaluated else {}
    metrics = {"epochs": done, "val_accuracy": last.get("val_accuracy"),
               "val_loss": last.get("val_loss")}
    manifest = run_manifest(session.request, session.network_name, trainer,
                            session.data.preprocessing, metrics, None, session.data.notes,
                            str(command.get("owner") or ""))
    manifest |= {"classes": session.classes, "history": evaluated,
                 "checkpoint": {"epoch": point["epoch"], "step": point["step"],
                                "point": number}}
    name = str(command.get("name") or session.network_name)
    return {"model_id": store.save(name, session.spec, model, manifest),
            "epoch": point["epoch"], "step": point["step"]}


def load_initial(request: RunRequest, model: torch.nn.Module, store: ModelStore) -> None:
    """Load request.initial_model's weights into `model` (the same network)."""
    if not request.initial_model:
        return
    _, source, _ = store.load(request.initial_model)
    try:
        model.load_state_dict(source.state_dict(), strict=True)
    except RuntimeError as exc:
        raise InvalidInput(f"initial_model {request.initial_model!r} does not fit this "
                           f"network ({exc}); start from a model of the same network",
                           ["initial_model"]) from exc

