"""The event hub: bounded per-subscriber queues, latest-value-wins heavy frames."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

from server.hub import MARKER, Event, Hub


def test_a_stalled_subscriber_never_blocks_the_publisher() -> None:
    async def scenario() -> None:
        hub = Hub(maxsize=16)
        stalled = hub.subscribe("run:x")
        reader = hub.subscribe("run:x")
        started = time.perf_counter()

        def produce() -> None:  # from another thread, as the executor's readers do
            for seq in range(1, 2001):
                hub.publish("run:x", {"type": "step", "seq": seq})

        thread = threading.Thread(target=produce)
        thread.start()
        received = []
        while len(received) < 16 or thread.is_alive():
            try:
                received.append(await asyncio.wait_for(reader.queue.get(), 0.5))
            except TimeoutError:
                break
        thread.join()
        await asyncio.sleep(0.05)
        assert time.perf_counter() - started < 5
        assert stalled.queue.qsize() == 16  # bounded
        assert stalled.dropped == 2000 - 16  # counted
        newest = [stalled.queue.get_nowait()["seq"] for _ in range(16)]
        assert newest == list(range(1985, 2001))  # the oldest were dropped, not the newest

    asyncio.run(scenario())


def test_heavy_frames_coalesce_to_the_latest() -> None:
    async def scenario() -> None:
        hub = Hub()
        sub = hub.subscribe("run:y")
        for seq in range(1, 101):
            hub.publish("run:y", {"type": "activations", "seq": seq}, heavy=True)
        await asyncio.sleep(0.05)
        # One marker per frame, at its place; only the newest frame is still there to send.
        markers = [sub.queue.get_nowait() for _ in range(sub.queue.qsize())]
        assert [m["seq"] for m in markers] == list(range(1, 101))
        assert all(m == {"type": MARKER, "kind": "activations", "seq": m["seq"]}
                   for m in markers)
        taken = [sub.take_heavy("activations", m["seq"]) for m in markers]
        assert taken[:99] == [None] * 99  # stale: replaced by a newer frame
        latest = taken[99]
        assert latest is not None
        assert latest["seq"] == 100
        assert sub.take_heavy("activations", 100) is None
        assert sub.dropped == 0
        hub.unsubscribe("run:y", sub)
        assert hub.count("run:y") == 0

    asyncio.run(scenario())


def test_one_encoding_object_and_one_callback_per_loop_for_many_subscribers() -> None:
    async def scenario() -> None:
        hub = Hub()
        loop = asyncio.get_running_loop()
        subscribers = [hub.subscribe("run:z") for _ in range(50)]
        scheduled = []
        schedule = loop.call_soon_threadsafe

        def counting(*args: Any, **kwargs: Any) -> Any:
            scheduled.append(args[0])
            return schedule(*args, **kwargs)

        loop.call_soon_threadsafe = counting  # type: ignore[method-assign]
        try:
            thread = threading.Thread(target=lambda: [
                hub.publish("run:z", {"type": "step", "seq": seq}) for seq in range(1, 11)])
            thread.start()
            thread.join()
            got = [[await s.queue.get() for _ in range(10)] for s in subscribers]
        finally:
            del loop.call_soon_threadsafe  # type: ignore[method-assign]
        assert len(scheduled) == 10  # one per publish, not one per subscriber
        for i in range(10):
            first = got[0][i]
            assert isinstance(first, Event)
            assert first == {"type": "step", "seq": i + 1}
            assert all(items[i] is first for items in got)  # one object for everyone

    asyncio.run(scenario())


def test_subscribers_on_two_loops_each_get_one_callback() -> None:
    hub = Hub()
    ready = threading.Barrier(3)
    received: dict[int, list[Any]] = {}

    def consumer(index: int) -> None:
        async def run() -> None:
            subs = [hub.subscribe("run:two") for _ in range(3)]
            ready.wait()
            received[index] = [await asyncio.wait_for(s.queue.get(), 10) for s in subs]

        asyncio.run(run())

    threads = [threading.Thread(target=consumer, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    ready.wait()
    assert hub.count("run:two") == 6
    hub.publish("run:two", {"type": "step", "seq": 1})
    for thread in threads:
        thread.join(timeout=10)
    items = received[0] + received[1]
    assert len(items) == 6
    assert all(item is items[0] for item in items)


def test_a_dropped_marker_does_not_starve_later_frames() -> None:
    async def scenario() -> None:
        hub = Hub(maxsize=4)
        sub = hub.subscribe("run:m")
        hub.publish("run:m", {"type": "activations", "seq": 1}, heavy=True)
        for seq in range(2, 8):  # the marker is the oldest item: it is pushed out
            hub.publish("run:m", {"type": "step", "seq": seq})
        await asyncio.sleep(0)  # let the loop run the delivery callbacks
        assert [sub.queue.get_nowait()["seq"] for _ in range(4)] == [4, 5, 6, 7]
        assert sub.dropped == 2  # steps 2 and 3; the skipped frame is not counted
        assert sub.take_heavy("activations", 1) is None  # went with its marker
        hub.publish("run:m", {"type": "activations", "seq": 8}, heavy=True)
        await asyncio.sleep(0)
        assert sub.queue.get_nowait() == {"type": MARKER, "kind": "activations", "seq": 8}
        latest = sub.take_heavy("activations", 8)
        assert latest is not None
        assert latest["seq"] == 8

    asyncio.run(scenario())


def test_unsubscribing_frees_the_queue_and_ignores_late_deliveries() -> None:
    async def scenario() -> None:
        hub = Hub(maxsize=8)
        gone = hub.subscribe("run:u")
        kept = hub.subscribe("run:u")
        for seq in range(1, 6):
            hub.publish("run:u", {"type": "step", "seq": seq})
        hub.publish("run:u", {"type": "filters", "seq": 6}, heavy=True)
        await asyncio.sleep(0)
        assert gone.queue.qsize() == 6
        hub.publish("run:u", {"type": "step", "seq": 7})  # scheduled, not yet delivered
        hub.unsubscribe("run:u", gone)
        await asyncio.sleep(0)
        assert gone.queue.qsize() == 0
        assert gone.pending == {}
        assert not gone.active
        assert kept.queue.qsize() == 7
        assert hub.count("run:u") == 1
        hub.unsubscribe("run:u", kept)
        assert hub.count("run:u") == 0

    asyncio.run(scenario())


def test_a_closed_loop_unsubscribes_its_clients() -> None:
    hub = Hub()

    async def subscribe() -> None:
        hub.subscribe("run:c")

    asyncio.run(subscribe())  # that loop is closed when asyncio.run returns
    assert hub.count("run:c") == 1
    hub.publish("run:c", {"type": "step", "seq": 1})
    assert hub.count("run:c") == 0
