"""`cnn-playground train`: the same loop as the web app, headless, with a progress bar."""

from __future__ import annotations

import argparse
import json
import os
import queue
import sys
import time
from pathlib import Path
from typing import Any

from server.errors import PlaygroundError
from server.training.control import QueueControl
from server.training.spec import Augment, RunRequest, TrainingConfig


def add_parser(sub: Any) -> None:
    train = sub.add_parser(
        "train", help="train a network and save it to the model store",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n  cnn-playground train --preset lenet-mnist --dataset mnist --epochs 3\n"
               "  cnn-playground train --spec my-net.json --dataset fashion-mnist "
               "--optimizer sgd_momentum --lr 0.01\n")
    source = train.add_mutually_exclusive_group(required=True)
    source.add_argument("--preset", help="a preset id, e.g. lenet-mnist")
    source.add_argument("--spec", type=Path, help="a network spec JSON file")
    train.add_argument("--dataset", default="mnist")
    train.add_argument("--epochs", type=int, default=3)
    train.add_argument("--batch-size", type=int, default=64)
    train.add_argument("--lr", type=float, default=0.001, help="learning rate")
    train.add_argument("--optimizer", default="adam")
    train.add_argument("--validation-split", type=float, default=0.1)
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--max-train-samples", type=int, metavar="N",
                       help="train on a seeded subset of N images (scenes for mnist-detect)")
    train.add_argument("--augment-shift", type=float, default=0.0, metavar="FRACTION",
                       help="random shifts of training images, up to this fraction of the size")
    train.add_argument("--augment-rotation", type=float, default=0.0, metavar="DEGREES",
                       help="random rotations of training images, up to this many degrees")
    train.add_argument("--augment-scale", type=float, default=0.0, metavar="FRACTION",
                       help="random zoom in or out of training images, up to this fraction")
    train.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    train.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's)")
    train.add_argument("--name", help="the saved model's name (default: the network's)")
    train.add_argument("--models-dir", type=Path, help="where to save (default CNNPG_MODELS_DIR)")


def _bar(event: dict[str, Any]) -> None:
    if event["type"] == "step":
        done = event["epoch_step"] / event["steps_per_epoch"]
        accuracy = event.get("accuracy")
        sys.stderr.write(f"\repoch {event['epoch']} [{'#' * int(done * 30):30}] {done:6.1%} "
                         f"loss {event['loss']:.4f} "
                         + ("" if accuracy is None else f"acc {accuracy:.3f} ")
                         + f"{event['samples_per_s']:7.0f} img/s")
    elif event["type"] == "epoch":
        acc, map50 = event["val_accuracy"], event.get("map50")
        sys.stderr.write(f"\n  test mAP@0.5 {map50:.4f}\n" if map50 is not None else
                         f"\n  validation accuracy {acc:.4f}\n" if acc is not None else "\n")
    sys.stderr.flush()


def run(args: argparse.Namespace) -> int:
    import torch

    from server.config import Settings
    from server.datasets.registry import DatasetRegistry
    from server.nn.presets import Presets
    from server.store import ModelStore
    from server.training.open_session import build_session
    from server.training.session import pick_device

    settings = Settings()
    if args.threads:  # never more than the machine has
        torch.set_num_threads(max(1, min(args.threads, len(os.sched_getaffinity(0)))))
    try:
        network = {"preset": args.preset} if args.preset else json.loads(args.spec.read_text())
        training = TrainingConfig(
            optimizer=args.optimizer, learning_rate=args.lr, batch_size=args.batch_size,
            epochs=args.epochs, validation_split=args.validation_split, seed=args.seed,
            max_train_samples=args.max_train_samples,
            augment=Augment(shift=args.augment_shift, rotation=args.augment_rotation,
                            scale=args.augment_scale),
            device=args.device)
        request = RunRequest(network=network, dataset=args.dataset, training=training)
        datasets = DatasetRegistry(settings.datasets_dir,
                                   user_dir=settings.models_dir / ".datasets")
        session = build_session(request, Presets(settings.presets_dir), datasets)
        device = pick_device(args.device)
        started = time.perf_counter()
        trainer = session.trainer(_bar, QueueControl(queue.Queue()), device)
        trainer.run()
        seconds = time.perf_counter() - started
        metrics = session.final_metrics(trainer, datasets, seconds)
        store = ModelStore(args.models_dir or settings.models_dir)
        model_id = session.save(trainer, store, args.name or session.network_name,
                                None, metrics)
    except (PlaygroundError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    score = (f"test mAP@0.5 {metrics['test_map50']:.4f}" if metrics.get("test_map50") is not None
             else f"test accuracy {metrics['test_accuracy']:.4f}")
    print(f"{score} after {seconds:.1f} s on {device.type}; saved as {model_id}")
    return 0
