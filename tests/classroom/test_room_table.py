"""The Redis room table on its own, against a real redis-server: changes from two tables
(two replicas) that overlap inside the WATCH window are retried, never lost; a code is
never given twice; presence counts never go below zero."""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from redis_server import RedisServer

from server.classroom import admission, room_json
from server.classroom.room_records import Broadcast, Room
from server.classroom.room_redis import RedisTable
from server.classroom.room_table import MemoryTable
from server.nn.spec import NetworkSpec

pytestmark = pytest.mark.cluster
TINY = {"input": {"channels": 1, "height": 28, "width": 28},
        "layers": [{"type": "flatten"}, {"type": "dense", "units": 10}]}


def room(code: str) -> Room:
    return Room(code=code, title="Period 3", owner="s-teacher", key_hash=b"\x01" * 32,
                max_participants=500)


def no_limits(_: list[Room]) -> None:
    pass


def test_overlapping_changes_from_two_replicas_all_land(redis_server: RedisServer) -> None:
    a, b = RedisTable(redis_server.url), RedisTable(redis_server.url)
    code = a.add(room, no_limits).code
    tries: dict[str, int] = {}
    lock = threading.Lock()

    def slow_join(k: int) -> None:
        def change(r: Room) -> None:
            with lock:
                tries[f"s-{k}"] = tries.get(f"s-{k}", 0) + 1
            time.sleep(0.005)  # long enough that the other replica writes meanwhile
            admission.admit(r, f"s-{k}", f"S{k}", None)

        assert (a, b)[k % 2].update(code, change) is not None

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(slow_join, range(16)))
    stored = b.get(code)
    assert stored is not None
    assert sorted(stored.participants) == sorted(f"s-{k}" for k in range(16))
    assert sum(tries.values()) > 16  # some changes did collide, and were applied again
    a.close()
    b.close()


def test_codes_are_never_given_twice(redis_server: RedisServer) -> None:
    tables = [RedisTable(redis_server.url) for _ in range(2)]
    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(lambda k: tables[k % 2].add(room, no_limits).code, range(40)))
    assert len(set(codes)) == 40
    for table in tables:
        table.close()


def test_presence_counts_sockets_and_never_goes_negative(redis_server: RedisServer) -> None:
    table = RedisTable(redis_server.url)
    code = table.add(room, no_limits).code
    table.update(code, lambda r: admission.admit(r, "s-ada", "Ada", None))
    for delta in (+1, +1, -1):
        table.online(code, "s-ada", delta)
    stored = table.get(code)
    assert stored is not None
    assert stored.participants["s-ada"].online == 1
    for _ in range(3):  # a replica that counted down twice (its socket's end, retried)
        table.online(code, "s-ada", -1)
    table.online(code, "s-ada", +1)
    stored = table.get(code)
    assert stored is not None
    assert stored.participants["s-ada"].online == 1
    table.close()


@pytest.mark.parametrize("broadcast", [
    Broadcast("network", network=NetworkSpec.model_validate(TINY), title="a net", seq=3),
    Broadcast("kernel_lab", kernel_lab={"kernel": [[1, 0], [0, -1]], "name": "é"}),
    Broadcast("run", run_id="run-1", follow=False),
    Broadcast("dataset", dataset_id="ds-0123456789ab", title="Leaves", seq=2)])
def test_a_room_survives_its_json_form(broadcast: Broadcast) -> None:
    original = room("ACDEFH")
    admission.admit(original, "s-ada", "Ada", "10.0.0.7")
    admission.admit(original, "s-bob", "Bob", None)
    admission.kick(original, original.participants["s-bob"].id, None)
    admission.seen_teacher(original, "10.0.0.1")
    original.broadcast = broadcast
    original.shared_runs, original.shared_models = {"run-1", "run-2"}, {"m-1"}
    original.shared_datasets = {"ds-0123456789ab", "ds-ba9876543210"}
    copy = room_json.loads(room_json.dumps(original), {"s-ada": 2})
    assert copy is not None
    assert copy.view("s-teacher", True) == {
        **original.view("s-teacher", True), "online_count": 1,
        "participants": [{**p, "online": True} for p in
                         original.view("s-teacher", True)["participants"]]}
    assert copy.shared_datasets == {"ds-0123456789ab", "ds-ba9876543210"}
    fields: dict[str, Any] = {k: v for k, v in vars(copy).items() if k != "participants"}
    assert fields == {k: v for k, v in vars(original).items() if k != "participants"}


def test_a_room_stored_before_dataset_broadcasts_still_reads() -> None:
    """A document written by a replica that predates them has no shared_datasets."""
    document = json.loads(room_json.dumps(room("ACDEFH")))
    del document["shared_datasets"], document["broadcast"]["dataset_id"]
    copy = room_json.loads(json.dumps(document))
    assert copy is not None
    assert copy.shared_datasets == set()
    assert copy.broadcast == Broadcast()


def test_the_memory_table_keeps_the_rooms_it_is_given() -> None:
    table = MemoryTable()
    made = table.add(room, no_limits)
    assert table.get(made.code) is made  # holders of a memory room see its changes
