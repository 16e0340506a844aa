"""The session a run trains with: a classification Session, or a DetectionSession when its
network ends in a detection_head (server/training/detection_session.py). Both answer the worker
and the CLI with the same methods."""

from __future__ import annotations

from server.datasets.registry import DatasetRegistry
from server.nn.presets import Presets
from server.nn.spec import NetworkSpec
from server.training.detection_checks import is_detection
from server.training.detection_session import DetectionSession
from server.training.session import Session, validate_request
from server.training.spec import RunRequest

RunSession = Session | DetectionSession


def open_session(request: RunRequest, spec: NetworkSpec, name: str,
                 datasets: DatasetRegistry) -> RunSession:
    """From a request whose network was parsed and checked where it came in."""
    if is_detection(request, spec, datasets):
        return DetectionSession.from_spec(request, spec, name, datasets, datasets.scenes_dir)
    return Session.from_spec(request, spec, name, datasets)


def build_session(request: RunRequest, presets: Presets,
                  datasets: DatasetRegistry) -> RunSession:
    """From a request as it came in (the command line): its network is parsed here."""
    spec, name = validate_request(request, presets, datasets)
    return open_session(request, spec, name, datasets)
