"""Reading an uploaded file with a cap: what every upload route shares."""

from __future__ import annotations

from fastapi import UploadFile


async def read_upload(upload: UploadFile, limit: int) -> bytes:
    """Read at most limit + 1 bytes: enough to tell that a file is too large."""
    data = await upload.read(limit + 1)
    await upload.close()
    return data
