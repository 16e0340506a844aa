"""The event hub: bounded per-subscriber queues, latest-value-wins heavy frames."""

from __future__ import annotations

import asyncio
import threading
import time

from server.hub import MARKER, Hub


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
        assert sub.queue.qsize() == 1
        assert sub.queue.get_nowait() == {"type": MARKER, "kind": "activations"}
        latest = sub.take_heavy("activations")
        assert latest is not None
        assert latest["seq"] == 100
        assert sub.take_heavy("activations") is None
        hub.unsubscribe("run:y", sub)
        assert hub.count("run:y") == 0

    asyncio.run(scenario())
