"""Per-session limits: 429 with the limit and what to delete; other sessions unaffected."""

from __future__ import annotations

from pathlib import Path

import pytest

from .fixtures import TINY, models_folder, session, shipped_id, start, upload, wait_for


def test_upload_bytes(make_client, tmp_path: Path) -> None:
    # coins.png decodes to 384x303 grayscale... whatever it is, allow about one and a half
    client = make_client(models_dir=tmp_path)
    probe = session(client)
    one = client.get("/api/sessions/me", headers=probe).json()["usage"]["upload_bytes"]
    upload(client, probe)
    size = client.get("/api/sessions/me", headers=probe).json()["usage"]["upload_bytes"] - one
    client = make_client(models_dir=tmp_path, session_max_upload_bytes=int(size * 1.5))
    alice, bob = session(client), session(client)
    first = upload(client, alice)
    refused = client.post("/api/images", headers=alice, files={"file": (
        "c.png", (Path(__file__).parents[2] / "server/data/images/coins.png").read_bytes(),
        "image/png")})
    assert refused.status_code == 429
    msg = refused.json()["detail"][0]["msg"]
    assert "CNNPG_SESSION_MAX_UPLOAD_BYTES" in msg
    assert "DELETE /api/images/" in msg
    upload(client, bob)  # bob has his own allowance
    assert client.delete(f"/api/images/{first}", headers=alice).status_code == 204
    upload(client, alice)


def test_stored_models(make_client, tmp_path: Path) -> None:
    client = make_client(models_dir=models_folder(tmp_path), session_max_models=1)
    alice = session(client)
    archive = client.get(f"/api/models/{shipped_id()}/export", headers=alice).content
    files = {"file": ("m.zip", archive, "application/zip")}
    assert client.post("/api/models/import", headers=alice, files=files).status_code == 201
    again = client.post("/api/models/import", headers=alice, files=files)
    assert again.status_code == 429
    assert "CNNPG_SESSION_MAX_MODELS" in again.json()["detail"][0]["msg"]
    run = client.post("/api/runs", headers=alice, json={"network": TINY, "dataset": "mnist"})
    assert run.status_code == 429
    assert client.post("/api/models/import", headers=session(client),
                       files=files).status_code == 201


@pytest.mark.slow
def test_runs_at_once(make_client, tmp_path: Path) -> None:
    client = make_client(models_dir=tmp_path, session_max_active_runs=1,
                         session_max_queued_runs=0, max_concurrent_runs=2, train_threads=1)
    alice, bob = session(client), session(client)
    first = start(client, alice, samples=6000, epochs=5)
    second = client.post("/api/runs", headers=alice, json={"network": TINY, "dataset": "mnist"})
    assert second.status_code == 429
    msg = second.json()["detail"][0]["msg"]
    assert first in msg
    assert "CNNPG_SESSION_MAX_ACTIVE_RUNS" in msg
    assert "POST /api/runs/{id}/stop" in msg
    other = start(client, bob)  # another session is not held back
    client.post(f"/api/runs/{first}/stop", headers=alice)
    wait_for(client, alice, first, lambda r: r["status"] == "stopped")
    start(client, alice)
    wait_for(client, bob, other, lambda r: r["status"] == "finished")


@pytest.mark.slow
def test_a_session_trains_its_share_and_queues_the_rest(make_client, tmp_path: Path) -> None:
    """With two slots, one session's second run waits while another session's run trains."""
    client = make_client(models_dir=tmp_path, session_max_active_runs=1,
                         session_max_queued_runs=1, max_concurrent_runs=2, train_threads=1)
    alice, bob = session(client), session(client)
    first = start(client, alice, samples=6000, epochs=5)
    waiting = start(client, alice)
    wait_for(client, alice, first, lambda r: r["status"] == "running")
    bobs = start(client, bob)
    wait_for(client, bob, bobs, lambda r: r["status"] in ("running", "finished"))
    assert client.get(f"/api/runs/{waiting}", headers=alice).json()["status"] == "queued"
    client.post(f"/api/runs/{first}/stop", headers=alice)
    wait_for(client, alice, waiting, lambda r: r["status"] in ("running", "finished"))
