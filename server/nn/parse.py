"""A network as the user sent it (a spec, or {"preset": id}) parsed into a NetworkSpec, with
errors worded per layer: "layer 2 (conv2d): filters: ... (got 0)"."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from server.errors import InvalidInput, ManyErrors, describe_validation
from server.nn.presets import Presets
from server.nn.registry import REGISTRY
from server.nn.spec import NetworkSpec


def pydantic_ctx(err: dict[str, Any]) -> dict[str, Any]:
    """pydantic's ctx ({"ge": 1}, {"expected": "'relu' or 'tanh'"}) with JSON values only,
    as the params of the error's own type (the pages render ge, greater_than... themselves)."""
    ctx = err.get("ctx") or {}
    return {k: v if isinstance(v, int | float | str | bool) else str(v) for k, v in ctx.items()}


def _layer_error(err: dict[str, Any]) -> InvalidInput:
    """One pydantic error on a layer, as "layer 2 (conv2d): filters: ... (got 0)"."""
    loc = list(err["loc"])
    index = loc[1]
    if err["type"] == "union_tag_invalid":
        got = err.get("input", {}).get("type") if isinstance(err.get("input"), dict) else None
        return InvalidInput(f"layer {index}: unknown layer type {got!r}; valid types: "
                            f"{', '.join(REGISTRY)}", ["layers", index, "type"],
                            code="unknown_layer_type",
                            params={"index": index, "got": repr(got), "valid": list(REGISTRY)})
    if err["type"] == "union_tag_not_found":
        return InvalidInput(f"layer {index}: 'type' is missing; valid types: "
                            f"{', '.join(REGISTRY)}", ["layers", index, "type"],
                            code="layer_type_missing",
                            params={"index": index, "valid": list(REGISTRY)})
    kind = loc.pop(2) if len(loc) > 2 and loc[2] in REGISTRY else "?"
    field = ".".join(str(p) for p in loc[2:]) or "layer"
    msg = str(err["msg"]).removeprefix("Value error, ")
    code, params = err["type"], pydantic_ctx(err)
    if err["type"] == "extra_forbidden":
        names = [f for f in REGISTRY[kind].spec.model_fields if f != "type"] if (
            kind in REGISTRY) else []
        text = f"{field} is not a field of {kind}; its fields: {', '.join(names)}"
        code, params = "not_a_layer_field", {"field": field, "layer": kind, "fields": names}
    elif err["type"] == "missing":
        text = f"{field} is required"
    else:
        text = f"{field}: {msg} (got {err.get('input')!r})"
    return InvalidInput(f"layer {index} ({kind}): {text}", loc, code=code, params=params)


def parse_network(body: Any, presets: Presets) -> NetworkSpec:
    """A spec, or {"preset": id}. Locs of layer errors read ["layers", i, "field"]."""
    if isinstance(body, dict) and set(body) == {"preset"}:
        return presets.get(str(body["preset"])).spec
    try:
        return NetworkSpec.model_validate(body)
    except ValidationError as exc:
        errors: list[InvalidInput] = []
        for err in exc.errors():
            loc = err["loc"]
            if len(loc) >= 2 and loc[0] == "layers" and isinstance(loc[1], int):
                errors.append(_layer_error(dict(err)))
            else:
                for d in describe_validation([err]):
                    errors.append(InvalidInput(d["msg"], d["loc"], code=d["type"],
                                               params=pydantic_ctx(dict(err))))
        raise errors[0] if len(errors) == 1 else ManyErrors(errors) from None
