"""OpenAPI links added to the app's /openapi.json for the stateful run: what one answer
hands to the next request (a new room's code and teacher key, an upload's id, a run's id).
FastAPI does not write links itself."""

from __future__ import annotations

from typing import Any

ROOM = {"code": "$response.body#/code", "header.X-Teacher-Key": "$response.body#/teacher_key"}
# producer (method, path, status) -> consumers (method, path) with the parameters they get
LINKS: dict[tuple[str, str, str], tuple[list[tuple[str, str]], dict[str, str]]] = {
    ("post", "/api/rooms", "201"): ([
        ("get", "/api/rooms/{code}"), ("post", "/api/rooms/{code}/join"),
        ("put", "/api/rooms/{code}/broadcast"), ("post", "/api/rooms/{code}/kick"),
        ("post", "/api/rooms/{code}/fork"), ("post", "/api/rooms/{code}/close"),
        ("post", "/api/rooms/{code}/leave")], ROOM),
    ("post", "/api/images", "201"): ([
        ("get", "/api/images/{image_id}"), ("delete", "/api/images/{image_id}")],
        {"image_id": "$response.body#/image_id"}),
    ("post", "/api/runs", "201"): ([
        ("get", "/api/runs/{run_id}"), ("patch", "/api/runs/{run_id}"),
        ("post", "/api/runs/{run_id}/{action}")], {"run_id": "$response.body#/id"}),
}


def with_links(document: dict[str, Any]) -> dict[str, Any]:
    """The document with LINKS written into its producers' responses."""
    paths = document["paths"]
    for (method, path, status), (consumers, parameters) in LINKS.items():
        response = paths[path][method]["responses"].setdefault(
            status, {"description": "created"})
        links = response.setdefault("links", {})
        for target_method, target_path in consumers:
            target = paths[target_path][target_method]
            names = {p["name"] for p in target.get("parameters", [])}
            links[target["operationId"]] = {
                "operationId": target["operationId"],
                "parameters": {k: v for k, v in parameters.items()
                               if k.removeprefix("header.") in names}}
    return document
