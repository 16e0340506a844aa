"""/ws/runs/{id}: a run's events, live. On connect: a snapshot of everything so far (late
joiners and reconnects see the whole history), then each event as it happens. A slow
client only loses its own oldest events (counted in `dropped`), never slows the run."""

from __future__ import annotations

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from server.errors import PlaygroundError
from server.services import Services

router = APIRouter()


@router.websocket("/ws/runs/{run_id}")
async def run_socket(websocket: WebSocket, run_id: str) -> None:
    services: Services = websocket.app.state.services
    await websocket.accept()
    try:
        services.runs.get(run_id)
    except PlaygroundError as exc:
        await websocket.send_json({"type": "error", "status": exc.status,
                                   "detail": exc.detail()})
        await websocket.close(code=4404)
        return
    topic = f"run:{run_id}"
    subscriber = services.hub.subscribe(topic)  # before the snapshot: nothing falls between
    try:
        snapshot = services.runs.snapshot(run_id)
        await websocket.send_json(snapshot)
        last_seq = snapshot["seq"]
        while True:
            event = await subscriber.queue.get()
            if event["seq"] <= last_seq:
                continue  # already in the snapshot
            last_seq = event["seq"]
            await websocket.send_json({**event, "dropped": subscriber.dropped})
    except WebSocketDisconnect:
        pass
    finally:
        services.hub.unsubscribe(topic, subscriber)
