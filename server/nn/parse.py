"""A network as the user sent it (a spec, or {"preset": id}) parsed into a NetworkSpec, with
errors worded per layer: "layer 2 (conv2d): filters: ... (got 0)"."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from server.errors import InvalidInput, ManyErrors, describe_validation
from server.nn.presets import Presets
from server.nn.registry import REGISTRY
from server.nn.spec import NetworkSpec


def _layer_error(err: dict[str, Any]) -> InvalidInput:
    """One pydantic error on a layer, as "layer 2 (conv2d): filters: ... (got 0)"."""
    loc = list(err["loc"])
    index = loc[1]
    if err["type"] == "union_tag_invalid":
        got = err.get("input", {}).get("type") if isinstance(err.get("input"), dict) else None
        return InvalidInput(f"layer {index}: unknown layer type {got!r}; valid types: "
                            f"{', '.join(REGISTRY)}", ["layers", index, "type"])
    if err["type"] == "union_tag_not_found":
        return InvalidInput(f"layer {index}: 'type' is missing; valid types: "
                            f"{', '.join(REGISTRY)}", ["layers", index, "type"])
    kind = loc.pop(2) if len(loc) > 2 and loc[2] in REGISTRY else "?"
    field = ".".join(str(p) for p in loc[2:]) or "layer"
    msg = str(err["msg"]).removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        fields = ", ".join(f for f in REGISTRY[kind].spec.model_fields if f != "type") if (
            kind in REGISTRY) else ""
        text = f"{field} is not a field of {kind}; its fields: {fields}"
    elif err["type"] == "missing":
        text = f"{field} is required"
    else:
        text = f"{field}: {msg} (got {err.get('input')!r})"
    return InvalidInput(f"layer {index} ({kind}): {text}", loc)


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
                    errors.append(InvalidInput(d["msg"], d["loc"]))
        raise errors[0] if len(errors) == 1 else ManyErrors(errors) from None
