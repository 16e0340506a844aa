"""Open Inference Protocol tensors: an inference request's JSON (and the binary tensor data
extension's bytes after it) in, the outputs out.

A request body is a JSON object, or, with the `Inference-Header-Content-Length` header, that
many bytes of JSON followed by the raw bytes of the inputs whose `parameters` give a
`binary_data_size`, in the order of the inputs. Outputs are JSON (`data`) unless the request
asks for binary ones (`parameters.binary_data_output`, or an output's
`parameters.binary_data`); binary outputs follow the answer's JSON in the same way, BYTES
elements each prefixed by their length (4 bytes, little-endian).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from server.errors import PlaygroundError

HEADER = "Inference-Header-Content-Length"
SIZES = {"BOOL": 1, "UINT8": 1, "INT8": 1, "UINT16": 2, "INT16": 2, "FP16": 2, "BF16": 2,
         "UINT32": 4, "INT32": 4, "FP32": 4, "UINT64": 8, "INT64": 8, "FP64": 8}


class ProtocolError(PlaygroundError):
    """400: a request the protocol's rules (or this model's input) refuse."""

    status = 400
    kind = "invalid_request"


@dataclass(frozen=True)
class Request:
    id: str | None
    pixels: np.ndarray  # (N, H, W, C) uint8
    outputs: dict[str, bool]  # output name -> binary, in the order to answer


def _field(value: Any, kind: type | tuple[type, ...], where: str, what: str) -> Any:
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise ProtocolError(f"{where} is {_short(value)}; it must be {what}",
                            [int(p) if p.isdigit() else p for p in where.split(".")])
    return value


def _short(value: Any) -> str:
    text = json.dumps(value) if not isinstance(value, bytes) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def split_body(body: bytes, header_length: str | None) -> tuple[Any, bytes]:
    """(the parsed JSON, the binary bytes after it)."""
    if header_length is None:
        json_part, binary = body, b""
    elif not header_length.isdigit() or int(header_length) > len(body):
        raise ProtocolError(f"header {HEADER} is {header_length[:40]!r} but the body holds "
                            f"{len(body)} bytes; send the JSON part's length in bytes",
                            ["header", HEADER])
    else:
        json_part, binary = body[:int(header_length)], body[int(header_length):]
    try:
        document = json.loads(json_part)
    except (ValueError, RecursionError) as exc:
        where = f"the first {HEADER} bytes" if header_length is not None else "the body"
        raise ProtocolError(f"{where} are not a JSON inference request ({str(exc)[:80]}); "
                            "send {\"inputs\": [...]} as the protocol describes",
                            ["body"]) from None
    return _field(document, dict, "body", "a JSON object with `inputs`"), binary


def _shape(tensor: dict[str, Any], expected: list[int], limit: int) -> list[int]:
    shape = _field(tensor.get("shape"), list, "inputs.0.shape", "a list of integers")
    for size in shape:
        _field(size, int, "inputs.0.shape", "a list of integers")
    pattern = "[N, " + ", ".join(map(str, expected[1:])) + "]"
    if len(shape) != len(expected) or shape[1:] != expected[1:]:
        raise ProtocolError(f"inputs.0.shape is {_short(shape)} but this model takes {pattern} "
                            "(images of its own size, height, width, channels): resize the "
                            "images first", ["inputs", 0, "shape"])
    if not 1 <= shape[0] <= limit:
        raise ProtocolError(f"inputs.0.shape asks for a batch of {shape[0]} images; send 1 to "
                            f"{limit} per request (setting CNNPG_MAX_INFER_BATCH), or split "
                            "them into several requests", ["inputs", 0, "shape"])
    return [int(s) for s in shape]


def _json_data(data: Any, shape: list[int]) -> np.ndarray:
    try:
        array = np.array(_field(data, list, "inputs.0.data", "a list of numbers 0 to 255"))
    except (ValueError, TypeError, OverflowError, RecursionError):
        array = np.array([None])  # ragged or too deeply nested: refused below
    if array.dtype.kind not in "iu" or (array.size and not (
            array.min() >= 0 and array.max() <= 255)):
        raise ProtocolError("inputs.0.data must hold integers 0 to 255 (UINT8 pixels), row "
                            "major, flat or nested evenly", ["inputs", 0, "data"])
    if array.size != math.prod(shape):
        raise ProtocolError(f"inputs.0.data holds {array.size} values but shape "
                            f"{shape} needs {math.prod(shape)}; send one value per pixel and "
                            "channel", ["inputs", 0, "data"])
    return array.astype(np.uint8).reshape(shape)


def _binary_data(size: Any, binary: bytes, shape: list[int]) -> np.ndarray:
    _field(size, int, "inputs.0.parameters.binary_data_size", "a number of bytes")
    if size != math.prod(shape) or len(binary) != size:
        raise ProtocolError(f"inputs.0 declares shape {shape} of UINT8 ({math.prod(shape)} "
                            f"bytes), binary_data_size {size} and {len(binary)} bytes follow "
                            "the JSON; the three must agree", ["inputs", 0, "parameters",
                                                               "binary_data_size"])
    return np.frombuffer(binary, dtype=np.uint8).reshape(shape)


def _outputs(document: dict[str, Any], names: list[str]) -> dict[str, bool]:
    parameters = _field(document.get("parameters", {}), dict, "parameters", "an object")
    default = _field(parameters.get("binary_data_output", False), bool,
                     "parameters.binary_data_output", "true or false")
    asked = _field(document.get("outputs", [{"name": n} for n in names]), list, "outputs",
                   "a list of {\"name\": ...} objects")
    chosen: dict[str, bool] = {}
    for i, output in enumerate(asked):
        _field(output, dict, f"outputs.{i}", "an object with a name")
        name = output.get("name")
        if name not in names:
            raise ProtocolError(f"outputs.{i}.name is {_short(name)}; this model's outputs are "
                                f"{', '.join(names)}", ["outputs", i, "name"])
        own = _field(output.get("parameters", {}), dict, f"outputs.{i}.parameters", "an object")
        chosen[name] = _field(own.get("binary_data", default), bool,
                              f"outputs.{i}.parameters.binary_data", "true or false")
    return chosen


def parse(document: dict[str, Any], binary: bytes, input_name: str, expected: list[int],
          outputs: list[str], limit: int) -> Request:
    """The request for a model with one UINT8 input of shape `expected` ([-1, H, W, C])."""
    request_id = document.get("id")
    if request_id is not None:
        _field(request_id, str, "id", "a string")
    inputs = _field(document.get("inputs"), list, "inputs", "a list of one input tensor")
    if len(inputs) != 1:
        raise ProtocolError(f"inputs holds {len(inputs)} tensors; this model takes one, "
                            f"{input_name!r}", ["inputs"])
    tensor = _field(inputs[0], dict, "inputs.0", "an object with name, shape, datatype")
    if tensor.get("name") != input_name:
        raise ProtocolError(f"inputs.0.name is {_short(tensor.get('name'))}; this model's "
                            f"input is {input_name!r}", ["inputs", 0, "name"])
    if tensor.get("datatype") != "UINT8":
        raise ProtocolError(f"inputs.0.datatype is {_short(tensor.get('datatype'))}; this "
                            "model takes UINT8 pixels (0 to 255)", ["inputs", 0, "datatype"])
    shape = _shape(tensor, expected, limit)
    parameters = _field(tensor.get("parameters", {}), dict, "inputs.0.parameters", "an object")
    if "binary_data_size" in parameters:
        if "data" in tensor:
            raise ProtocolError("inputs.0 has both data and binary_data_size; send the pixels "
                                "one way", ["inputs", 0, "data"])
        pixels = _binary_data(parameters["binary_data_size"], binary, shape)
    else:
        if binary:
            raise ProtocolError(f"{len(binary)} bytes follow the JSON but no input declares "
                                "parameters.binary_data_size", ["body"])
        pixels = _json_data(tensor.get("data"), shape)
    return Request(request_id, pixels, _outputs(document, outputs))


def bytes_elements(values: list[str]) -> bytes:
    """BYTES tensor elements as the binary extension writes them: length, then the bytes."""
    encoded = [v.encode() for v in values]
    return b"".join(len(e).to_bytes(4, "little") + e for e in encoded)


def answer(tensors: dict[str, tuple[str, list[int], Any]], chosen: dict[str, bool],
           head: dict[str, Any]) -> tuple[bytes, int | None]:
    """tensors: name -> (datatype, shape, values: an FP32 array or a list of str).
    Returns the body and, when binary outputs follow, the JSON part's length."""
    described, binary = [], []
    for name, as_binary in chosen.items():
        datatype, shape, values = tensors[name]
        output: dict[str, Any] = {"name": name, "datatype": datatype, "shape": shape}
        if as_binary:
            data = (bytes_elements(values) if datatype == "BYTES"
                    else np.ascontiguousarray(values, dtype="<f4").tobytes())
            output["parameters"] = {"binary_data_size": len(data)}
            binary.append(data)
        else:
            output["data"] = values if datatype == "BYTES" else values.reshape(-1).tolist()
        described.append(output)
    text = json.dumps({**head, "outputs": described}).encode()
    return (text + b"".join(binary), len(text)) if binary else (text, None)
