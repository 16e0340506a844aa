"""Model names over HTTP: a name's versions and aliases; move and remove aliases.

The rules (namespaces per owner, version numbering, automatic `default` and `best`) are
in server.store.names and server.store.naming.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from server.api.deps import IdentityDep, ServicesDep
from server.store.naming import describe, move_alias, remove_alias

router = APIRouter(tags=["models"])


@router.get("/api/models/names/{name}", summary="A model name's versions and aliases")
async def get_name(name: str, services: ServicesDep, identity: IdentityDep) -> dict[str, Any]:
    """Your own name first, else the public one (models without an owner); 404 when
    neither holds it. Another session's names are not visible."""
    return await run_in_threadpool(describe, services.models, name, identity.session_id)


class AliasTarget(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: int = Field(ge=1, le=1_000_000, description="the version the alias points to")


@router.put("/api/models/names/{name}/aliases/{alias}",
            summary="Point an alias of your model name at one of its versions")
async def put_alias(name: str, alias: str, target: AliasTarget, services: ServicesDep,
                    identity: IdentityDep) -> dict[str, Any]:
    """Alias names: 1 to 32 of a-z, 0-9, '_' and '-', starting with a letter. `default`
    and `best` stop following their automatic rule once set here. 403 for the server's
    names, 404 for a name or version you cannot see."""
    return await run_in_threadpool(move_alias, services.models, name, alias, target.version,
                                   identity.session_id)


@router.delete("/api/models/names/{name}/aliases/{alias}",
               summary="Remove an alias of your model name")
async def delete_alias(name: str, alias: str, services: ServicesDep,
                       identity: IdentityDep) -> dict[str, Any]:
    """`best` goes back to its automatic rule; `default` cannot be removed (422): move it
    instead."""
    return await run_in_threadpool(remove_alias, services.models, name, alias,
                                   identity.session_id)
