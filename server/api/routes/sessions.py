"""Anonymous sessions: a bearer token for programs, and what the current session holds."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from server.api.deps import IdentityDep, ServicesDep

router = APIRouter(tags=["sessions"])


@router.post("/api/sessions", status_code=201, summary="A new session and its bearer token")
def new_session(services: ServicesDep) -> dict[str, Any]:
    """For programs: send `Authorization: Bearer <token>` with later requests (and on the
    websocket handshake) so the runs, uploads and models you make stay yours. Browsers do
    not need this: they get a session cookie on their first request. Keep the token secret:
    whoever holds it is that session."""
    session_id, token = services.signer.mint()
    return {"token": token, "token_type": "bearer", "session_id": session_id}


@router.get("/api/sessions/me", summary="This session: what it holds and its limits")
def me(services: ServicesDep, identity: IdentityDep) -> dict[str, Any]:
    sid, settings = identity.session_id, services.settings
    runs = [r for r in services.runs.list(sid) if not r.final]
    return {
        "session_id": sid, "auth": identity.auth,
        "usage": {"active_runs": sum(1 for r in runs if r.status in ("running", "paused")),
                  "queued_runs": sum(1 for r in runs if r.status == "queued"),
                  "models": len(services.models.owned_by(sid)),
                  "upload_bytes": services.images.held_bytes(sid),
                  "run_summaries": len(services.summaries.owned_by(sid))},
        "limits": {"active_runs": settings.session_max_active_runs,
                   "queued_runs": settings.session_max_queued_runs,
                   "models": settings.session_max_models,
                   "upload_bytes": settings.session_max_upload_bytes,
                   "run_summaries": settings.run_summaries_per_session}}


@router.delete("/api/sessions/me", summary="Delete everything this session made")
def delete_me(services: ServicesDep, identity: IdentityDep) -> dict[str, Any]:
    """In one action: stops and forgets your runs (a run still training saves no model),
    forgets their summaries and your uploads, deletes your models (published ones too),
    closes the rooms you teach and takes you out of the rooms you joined. Answers how many
    of each went. The session itself stays usable (it is just empty)."""
    return {"deleted": services.delete_session_data(identity.session_id)}
