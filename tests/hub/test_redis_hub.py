"""The Redis hub against a real redis-server: events cross replicas once, a run's mirror on
another replica equals the run itself, replicas answer each other's calls, and a missing
Redis never blocks a publisher."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from redis_server import RedisServer

from server.config import Settings
from server.hub import RESYNC
from server.hub.redis import RedisHub
from server.hub.run_log import pack, unpack
from server.nn.presets import Presets
from server.training.executors.mirror import Mirrors, state
from server.training.executors.shared import record
from server.training.runs import Run
from server.training.spec import RunRequest

pytestmark = pytest.mark.cluster


@pytest.fixture
def hubs(redis_server: RedisServer) -> Iterator[tuple[RedisHub, RedisHub]]:
    a, b = RedisHub(redis_server.url), RedisHub(redis_server.url)
    for hub in (a, b):
        assert hub.connected.wait(10), "the hub did not reach Redis"
    yield a, b
    a.close()
    b.close()


def flush(hub: RedisHub) -> None:
    """Wait until the writer has sent everything queued so far."""
    deadline = time.monotonic() + 10
    while hub._outbox:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    time.sleep(0.05)  # the batch the writer holds


def a_run(presets: Presets) -> Run:
    return Run(id="run-abc", network_name="LeNet", owner="s1",
               request=RunRequest(network={"preset": "lenet-mnist"}),
               spec=presets.get("lenet-mnist").spec)


def test_an_event_reaches_the_other_replica_once_and_its_own_viewers_once(
        hubs: tuple[RedisHub, RedisHub]) -> None:
    a, b = hubs

    async def scenario() -> tuple[list[Any], list[Any]]:
        here, there = a.subscribe("room:XYZ"), b.subscribe("room:XYZ")
        await asyncio.sleep(0.2)  # B's listener is subscribed already; let the loop settle
        for n in range(5):
            a.publish("room:XYZ", {"type": "changed", "n": n})
        got_here, got_there = [], []
        deadline = time.monotonic() + 10
        while len(got_there) < 5 and time.monotonic() < deadline:
            with contextlib.suppress(TimeoutError):
                got_there.append(await asyncio.wait_for(there.queue.get(), 1))
        await asyncio.sleep(0.3)  # anything echoed back to A would be here by now
        while not here.queue.empty():
            got_here.append(here.queue.get_nowait())
        return got_here, got_there

    got_here, got_there = asyncio.run(scenario())
    assert [e["n"] for e in got_there] == [0, 1, 2, 3, 4]
    assert [e["n"] for e in got_here] == [0, 1, 2, 3, 4], "not echoed back through Redis"


def test_a_mirror_on_another_replica_equals_the_run(hubs: tuple[RedisHub, RedisHub]) -> None:
    a, b = hubs
    run = a_run(Presets(Settings().presets_dir))
    a.send("log", lambda pipe: a.log.write_record(pipe, run.id, run.owner,
                                                  record(run, a.origin, "local")))
    events: list[dict[str, Any]] = [{"type": "status", "status": "running", "device": "cpu"}]
    events += [{"type": "step", "epoch": 1, "step": n, "loss": 1 / n,
                "accuracy": np.float32(0.5)} for n in range(1, 30)]
    events += [{"type": "activations", "blocks": [], "bytes": 3, "data": b"\x00\x01\x02"},
               {"type": "epoch", "epoch": 1, "val_loss": 0.3, "val_accuracy": 0.9}]
    mirrors = Mirrors(b)
    for number, event in enumerate(events):
        stamped = run.apply(event)
        a.publish(f"run:{run.id}", stamped, heavy=event["type"] == "activations")
        if number == 10:  # a mirror made mid-run, then read incrementally
            flush(a)
            assert mirrors.find(run.id) is not None
    flush(a)
    snapshot, binary = mirrors.snapshot(run.id, "s1")  # type: ignore[misc]  # always fresh
    assert snapshot == run.snapshot("s1")
    assert binary[0]["data"] == b"\x00\x01\x02"
    found = mirrors.find(run.id)  # within mirror.FRESH_S of that read: no Redis
    assert found is not None
    mirror, origin = found
    assert origin == a.origin
    assert mirror.public("s1") == run.public("s1")
    # After an outage the replica writes the run whole: the mirror starts over from it.
    run.apply({"type": "step", "epoch": 2, "step": 31, "loss": 0.1, "accuracy": 0.9})
    a.send("log", lambda pipe: a.log.write_state(pipe, run.id, record(run, a.origin, "local"),
                                                 state(run), dict(run.heavy), False))
    flush(a)
    again = mirrors.snapshot(run.id, "s1")
    assert again is not None
    assert again[0] == run.snapshot("s1")


def test_replicas_answer_each_others_calls(hubs: tuple[RedisHub, RedisHub]) -> None:
    a, b = hubs
    b.handler = lambda method, args: {"ok": True, "echo": [method, args["x"]]}
    assert a.call(b.origin, "command", {"x": 3}, timeout=10) == {"ok": True,
                                                                 "echo": ["command", 3]}
    gone = a.call("no-such-replica", "command", {"x": 1}, timeout=2)
    assert gone["error"]["status"] == 503
    assert a.alive(b.origin)
    assert not a.alive("no-such-replica")


def test_a_viewer_that_came_while_redis_was_away_is_told_to_resync_when_it_is_back(
        redis_server: RedisServer) -> None:
    """A page that reconnected while the replica heard nothing read a snapshot it cannot
    follow (events published meanwhile never reached it): it must read the run anew."""
    hub = RedisHub(redis_server.url)

    async def scenario() -> list[Any]:
        assert hub.connected.wait(10)
        redis_server.stop()
        deadline = time.monotonic() + 15
        while hub.connected.is_set():
            assert time.monotonic() < deadline, "the hub never noticed"
            await asyncio.sleep(0.05)
        late = hub.subscribe("run:r1")  # subscribed while nothing is heard
        await asyncio.sleep(0.3)
        assert late.queue.empty(), "nothing lost yet to tell it about"
        redis_server.start()
        return [await asyncio.wait_for(late.queue.get(), 15)]

    try:
        got = asyncio.run(scenario())
    finally:
        hub.close()
    assert [e["type"] for e in got] == [RESYNC]


def test_publishing_never_waits_for_a_redis_that_is_not_there() -> None:
    hub = RedisHub("redis://127.0.0.1:1/0", outbox=1000)
    try:
        started = time.perf_counter()
        for n in range(20_000):
            hub.publish("run:x", {"type": "step", "seq": n})
        took = time.perf_counter() - started
        assert took < 2.0, f"20,000 publishes took {took:.1f} s"
        assert len(hub._outbox) <= 1000, "the outbox is bounded"
        assert not hub.connected.is_set()
    finally:
        hub.close()


def test_values_travel_as_msgpack_without_pickle() -> None:
    value = {"a": np.float32(0.25), "b": np.arange(3), "c": b"\xff", "d": [1, "x"]}
    assert unpack(pack(value)) == {"a": 0.25, "b": [0, 1, 2], "c": b"\xff", "d": [1, "x"]}
    with pytest.raises(TypeError, match="cannot send object"):
        pack({"x": object()})
