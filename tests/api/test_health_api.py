"""GET /api/health, the OpenAPI document and the page shell."""

from __future__ import annotations

import cv2
import torch
from fastapi.testclient import TestClient

import server


def test_health_reports_versions_and_a_consistent_device(client: TestClient) -> None:
    body = client.get("/api/health").json()
    assert body["status"] == "ok"
    assert body["torch"] == torch.__version__
    assert body["opencv"] == cv2.__version__
    assert body["version"] == server.__version__
    cuda = torch.cuda.is_available()
    assert body["device"] == ("cuda" if cuda else "cpu")
    assert body["cuda_devices"] == (torch.cuda.device_count() if cuda else 0)
    assert body["predict_device"] == ("cuda:0" if cuda else "cpu")  # "auto", the default


def test_openapi_documents_every_route(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/api/health", "/api/kernels", "/api/kernels/apply", "/api/kernels/explain",
                 "/api/matrix", "/api/images", "/api/images/{image_id}", "/api/samples",
                 "/api/samples/{name}"):
        assert path in paths, path


def test_kernel_lab_page_is_served(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(
        "text/html")


def test_unknown_route_uses_the_error_shape(client: TestClient) -> None:
    response = client.get("/api/nothing-here")
    assert response.status_code == 404
    assert response.json() == {"detail": [{
        "loc": ["path"], "type": "http_error",
        "msg": "Not Found: GET '/api/nothing-here' (no such address); the API is listed at /docs"}]}
    assert "method is not allowed" in client.delete("/api/health").json()["detail"][0]["msg"]
