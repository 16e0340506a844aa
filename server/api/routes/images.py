"""Uploaded images (decoded once, cached for live editing) and the built-in samples."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, File, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, Response

from server.api.deps import IdentityDep, ServicesDep
from server.api.uploads import read_upload
from server.imaging import decode_image
from server.imaging.codec import encode_png
from server.imaging.store import StoredImage

router = APIRouter(tags=["images"])


def describe(item: StoredImage) -> dict[str, Any]:
    height, width, channels = item.pixels.shape
    return {"image_id": item.image_id, "width": width, "height": height, "channels": channels,
            "format": item.source_format, "notes": list(item.notes)}


@router.post("/api/images", status_code=201, summary="Upload an image for live editing")
async def upload_image(services: ServicesDep, identity: IdentityDep,
                       file: UploadFile = File(...)) -> dict[str, Any]:
    """Decodes the image once (PNG, JPEG, WebP, BMP, GIF, TIFF) and returns an `image_id`
    to use with `/ws/kernels`, `/api/kernels/apply` and `/api/kernels/explain`. The image
    is private to your session; the decoded images a session holds are limited (429,
    CNNPG_SESSION_MAX_UPLOAD_BYTES)."""
    store = services.images
    data = await read_upload(file, store.limits.max_bytes)
    decoded = await run_in_threadpool(decode_image, data, store.limits)
    return describe(store.add(decoded, identity.session_id,
                              services.settings.session_max_upload_bytes))


@router.get("/api/images/{image_id}", summary="The decoded image as PNG (EXIF-rotated)",
            response_class=Response, responses={200: {"content": {"image/png": {}}}})
async def get_image(image_id: str, services: ServicesDep, identity: IdentityDep) -> Response:
    """Your own uploads only: another session's image is not found (404)."""
    item = services.images.get(image_id, identity.session_id)
    png = await run_in_threadpool(encode_png, item.pixels)
    return Response(png, media_type="image/png")


@router.delete("/api/images/{image_id}", status_code=204, response_class=Response,
               summary="Forget an uploaded image")
async def delete_image(image_id: str, services: ServicesDep, identity: IdentityDep) -> Response:
    services.images.delete(image_id, identity.session_id)
    return Response(status_code=204)


@router.get("/api/samples", summary="Built-in sample photos")
def list_samples(services: ServicesDep) -> dict[str, Any]:
    store = services.images
    credits = store.sample_credits()
    samples = [describe(store.sample(name)) | {"name": name, "url": f"/api/samples/{name}"}
               | credits.get(name, {}) for name in store.sample_names()]
    return {"samples": samples}


@router.get("/api/samples/{name}", summary="One sample photo (PNG)",
            response_class=FileResponse, responses={200: {"content": {"image/png": {}}}})
async def get_sample(name: str, services: ServicesDep) -> FileResponse:
    return FileResponse(services.images.sample_path(name), media_type="image/png")
