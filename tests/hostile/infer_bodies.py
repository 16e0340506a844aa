"""Hypothesis strategies for Open Inference Protocol requests (POST /v2/models/{name}/infer)
to a model taking UINT8 [N, 28, 28, 1]: JSON tensors and the binary tensor data extension.
Each request is valid but for at most one fault drawn from FAULTS (a shape, datatype, size,
header length, output or value at or past its edge, or junk where a field belongs), so the
valid path is walked as often as each check."""

from __future__ import annotations

import json
import math
from typing import Any

from hypothesis import strategies as st

from .strategies import junk, sizes

HEADER = "Inference-Header-Content-Length"
FAULTS = ("none", "none", "none", "none", "shape", "datatype", "name", "count", "value",
          "declared", "sent", "header", "output", "parameters", "junk field", "two inputs")


def _outputs(fault: bool) -> st.SearchStrategy[Any]:
    names = st.sampled_from(["logits", "", "PROBABILITIES"]) if fault else st.sampled_from(
        ["probabilities", "labels"])
    one = st.fixed_dictionaries({"name": names}, optional={
        "parameters": st.fixed_dictionaries({}, optional={"binary_data": st.booleans()})})
    return st.lists(one, min_size=1 if fault else 0, max_size=2)


@st.composite
def infer_requests(draw: st.DrawFn) -> tuple[dict[str, str], bytes]:
    """(headers, body) of one generated request."""
    fault = draw(st.sampled_from(FAULTS))
    # Small batches: the checks are the point, and forward passes share the 2 cores with
    # the event loop that /api/health is timed on.
    shape: list[Any] = [draw(sizes(1, 8) if fault == "shape" else st.integers(1, 8)),
                        28, 28, 1]
    if fault == "shape":
        shape = draw(st.sampled_from([shape, [shape[0], 28, 28], [1, 28, 28, 3],
                                      [1, 27, 28, 1], [0, 28, 28, 1], [], [1, 28, 28, 1, 1]]))
    count = math.prod(s for s in shape if isinstance(s, int) and 0 <= s <= 10**6)
    tensor: dict[str, Any] = {
        "name": draw(st.sampled_from(["image", "", "INPUT"])) if fault == "name" else "input",
        "shape": shape, "datatype": draw(st.sampled_from(["FP32", "INT64", "BYTES", "uint8"]))
        if fault == "datatype" else "UINT8"}
    binary = b""
    if draw(st.booleans()):  # binary tensor data
        sent = max(0, count + draw(st.sampled_from([-1, 1, -count]))) if fault == "sent" \
            else count
        declared = sent + draw(st.sampled_from([-1, 1, 10**9])) if fault == "declared" else sent
        tensor["parameters"] = {"binary_data_size": declared}
        binary = bytes([draw(st.integers(0, 255))]) * sent
    else:
        length = max(0, count + draw(st.sampled_from([-1, 1, 50]))) if fault == "count" \
            else count
        values: list[Any] = [draw(st.integers(0, 255))] * length  # one value: cheap to draw
        if fault == "value" and values:
            values[draw(st.integers(0, length - 1))] = draw(st.sampled_from(
                [-1, 256, 0.5, "7", None, True, 2**70]))
        tensor["data"] = values
    document: dict[str, Any] = {"inputs": [tensor, tensor] if fault == "two inputs"
                                else [tensor]}
    if fault == "output" or draw(st.booleans()):
        document["outputs"] = draw(_outputs(fault == "output"))
    if fault == "parameters" or draw(st.booleans()):
        document["parameters"] = {"binary_data_output": draw(
            junk if fault == "parameters" else st.booleans())}
    if fault == "junk field":
        where = draw(st.sampled_from(["inputs", "outputs", "parameters", "id"]))
        document[where] = draw(junk)
    head = json.dumps(document).encode()
    headers = {"Content-Type": "application/octet-stream" if binary else "application/json"}
    if binary or fault == "header" or draw(st.booleans()):
        headers[HEADER] = draw(st.sampled_from([str(len(head) + 1), "0", "-1", "x",
                                                str(10**12), ""])) \
            if fault == "header" else str(len(head))
    return headers, head + binary
