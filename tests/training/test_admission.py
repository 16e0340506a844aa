"""The engine's pure rules: memory estimates, fair order, wait estimates, thread shares."""

from __future__ import annotations

import itertools
import math

import pytest
import torch

from server.config import Settings
from server.errors import InvalidInput
from server.nn.build import build_model
from server.nn.presets import Presets
from server.training.executors.admission import (
    Waiting,
    estimate_bytes,
    fair_order,
    refuse_if_never_fits,
    thread_share,
    wait_estimates,
)
from server.training.spec import TrainingConfig

PRESETS = Presets(Settings().presets_dir)


@pytest.mark.parametrize("preset", ["lenet-mnist", "resnet-small", "minivgg"])
@pytest.mark.parametrize("optimizer", ["sgd", "sgd_momentum", "adam"])
def test_weights_part_of_the_estimate_counts_torch_parameters(preset: str,
                                                              optimizer: str) -> None:
    """Less the per-image part, the estimate is weights, batch-norm statistics, gradients and
    optimizer state: checked against what torch builds and what the optimizer keeps."""
    spec = PRESETS.get(preset).spec
    model = build_model(spec)
    params = sum(p.numel() for p in model.parameters())
    buffers = sum(b.numel() for b in model.buffers() if b.dim() > 0)  # batch-norm statistics
    config = TrainingConfig(optimizer=optimizer, batch_size=1)
    optim = {"sgd": torch.optim.SGD(model.parameters(), lr=0.1),
             "sgd_momentum": torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9),
             "adam": torch.optim.Adam(model.parameters())}[optimizer]
    loss = model.logits(torch.zeros(2, spec.input.channels, spec.input.height,
                                    spec.input.width)).sum()
    loss.backward()
    optim.step()
    state_values = sum(t.numel() for s in optim.state.values() for t in s.values()
                       if torch.is_tensor(t) and t.dim() > 0)
    on_gpu = estimate_bytes(spec, config, 1, "cuda")
    one_more = estimate_bytes(spec, TrainingConfig(optimizer=optimizer, batch_size=2), 2, "cuda")
    per_image = one_more - on_gpu  # activations (kept + gradients) and the input of 1 image
    weights = on_gpu - per_image - 300 * 2**20
    assert weights == 4 * (buffers + 2 * params + state_values)


def test_cpu_estimate_adds_the_float_copy_of_the_images() -> None:
    spec = PRESETS.get("lenet-mnist").spec
    config = TrainingConfig(batch_size=64)
    cpu = estimate_bytes(spec, config, 1000, "cpu")
    gpu = estimate_bytes(spec, config, 1000, "cuda")
    assert cpu - gpu == 1000 * 28 * 28 * 4 + 64 * 2**20 - 300 * 2**20


def test_a_run_that_can_never_fit_is_refused_with_the_numbers() -> None:
    refuse_if_never_fits(800, 1000, 0.8, "cuda")  # fits exactly
    with pytest.raises(InvalidInput) as caught:
        refuse_if_never_fits(3 * 2**30, 2 * 2**30, 0.8, "cuda")
    assert caught.value.loc == ["training", "batch_size"]
    assert "3072.0 MB" in caught.value.msg
    assert "smaller batch_size" in caught.value.msg
    refuse_if_never_fits(10**15, None, 0.8, "cuda")  # unknown device size: not refused here


def brute_force_order(waiting: list[Waiting], active: dict[str, int]) -> list[str]:
    """The rule spelled out step by step: priority first; then, again and again, the
    earliest run of the session training the fewest runs (its earlier picks counted)."""
    load, left, out = dict(active), list(waiting), []
    while left:
        candidates = [w for w in left if w.priority] or left
        best = min(candidates, key=lambda w: (0 if w.priority else load.get(w.owner, 0),
                                              w.order))
        left.remove(best)
        load[best.owner] = load.get(best.owner, 0) + 1
        out.append(best.run_id)
    return out


def test_fair_order_round_robins_between_sessions() -> None:
    waiting = [Waiting("a1", "A", 0), Waiting("a2", "A", 1), Waiting("a3", "A", 2),
               Waiting("b1", "B", 3), Waiting("c1", "C", 4), Waiting("b2", "B", 5)]
    order = [w.run_id for w in fair_order(waiting, {})]
    assert order == ["a1", "b1", "c1", "a2", "b2", "a3"]
    # A has had two runs started already: B and C go before A's queued runs.
    order = [w.run_id for w in fair_order(waiting, {"A": 2})]
    assert order[:3] == ["b1", "c1", "b2"]


def test_teacher_broadcast_run_goes_first() -> None:
    waiting = [Waiting("s1", "S", 0), Waiting("t1", "T", 1, priority=True),
               Waiting("s2", "R", 2)]
    assert next(w.run_id for w in fair_order(waiting, {})) == "t1"


def test_fair_order_matches_brute_force_on_every_small_case() -> None:
    owners = "ABC"
    for pattern in itertools.product(owners, repeat=5):
        waiting = [Waiting(f"r{i}", owner, i, priority=(i == 3)) for i, owner in
                   enumerate(pattern)]
        for active in ({}, {"A": 1}, {"B": 2, "C": 1}):
            assert [w.run_id for w in fair_order(waiting, active)] == brute_force_order(
                waiting, active), (pattern, active)


def simulate(remaining: list[float], slots: int, queued: int, typical: float) -> list[float]:
    """Event by event: at each moment a slot frees, the next queued run takes it."""
    running = sorted(remaining) + [0.0] * (slots - len(remaining))
    starts = []
    clock_ends = list(running)
    for _ in range(queued):
        clock_ends.sort()
        start = clock_ends.pop(0)
        starts.append(start)
        clock_ends.append(start + typical)
    return starts


@pytest.mark.parametrize(("remaining", "slots", "queued", "typical"), [
    ([10.0, 4.0], 2, 5, 6.0), ([], 3, 4, 2.0), ([1.0], 4, 6, 10.0), ([5.0, 5.0, 5.0], 3, 3, 1)])
def test_wait_estimates_match_a_simulation(remaining: list[float], slots: int, queued: int,
                                           typical: float) -> None:
    assert wait_estimates(remaining, slots, queued, typical) == pytest.approx(
        simulate(remaining, slots, queued, typical))


def test_wait_is_unknown_until_something_was_measured() -> None:
    assert wait_estimates([math.inf], 1, 2, None) == [None, None]
    assert wait_estimates([3.0], 2, 2, None) == [0.0, 3.0]  # the idle slot, then the end


@pytest.mark.parametrize(("cores", "runs", "fixed", "share"), [
    (2, 1, 0, 2), (2, 2, 0, 1), (2, 8, 0, 1), (16, 3, 0, 5), (16, 1, 0, 16), (16, 4, 3, 3)])
def test_thread_share(cores: int, runs: int, fixed: int, share: int) -> None:
    assert thread_share(cores, runs, fixed) == share
