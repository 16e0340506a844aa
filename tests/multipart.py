"""multipart/form-data bodies for plain urllib requests to real servers (replica processes,
benchmarks): named fields and files, as a browser's form sends them."""

from __future__ import annotations

import uuid


def encode(fields: dict[str, str],
           files: list[tuple[str, str, bytes, str]]) -> tuple[bytes, str]:
    """The body and its Content-Type; files are (field, file name, bytes, media type)."""
    boundary = uuid.uuid4().hex
    parts = [f"--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
             .encode() for k, v in fields.items()]
    parts += [f"--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; "
              f"filename=\"{name}\"\r\nContent-Type: {media}\r\n\r\n".encode() + data + b"\r\n"
              for field, name, data, media in files]
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), (
        f"multipart/form-data; boundary={boundary}")
