"""The project's own promises: offline pages, a valid compose file, the command line."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml
from fastapi.templating import Jinja2Templates

from server.api.pages import page_router

ROOT = Path(__file__).resolve().parent.parent
WEB = ROOT / "web"
REF = re.compile(r"""(?:src|href)\s*=\s*["']([^"'{}]+)["']""")
IMPORT = re.compile(r"""(?:import|from)\s*\(?\s*["']([^"']+)["']""")
EXTERNAL = re.compile(r"""["'(](?:https?:)?//[a-z0-9]""", re.IGNORECASE)


def committed() -> set[str]:
    out = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout
    return set(out.split())


def page_paths() -> set[str]:
    """The HTML pages (server/api/pages.py), which the navigation links to."""
    router = page_router(Jinja2Templates(directory=WEB / "templates"))
    return {str(getattr(route, "path", "")) for route in router.routes}


def test_templates_reference_only_committed_files() -> None:
    files = committed()
    pages = page_paths()
    assert "/" in pages
    templates = sorted((WEB / "templates").glob("*.html"))
    assert templates, "no templates found"
    checked = 0
    for template in templates:
        text = template.read_text()
        assert not EXTERNAL.search(text), f"{template.name} references an external URL"
        for ref in REF.findall(text):
            if ref.startswith(("#", "/api/", "/docs", "mailto:")) or ref in pages:
                continue
            assert ref.startswith("/static/"), f"{template.name}: unexpected reference {ref}"
            path = "web/static/" + ref.removeprefix("/static/").split("?")[0]
            assert path in files, f"{template.name} references {ref}, which is not committed"
            checked += 1
    assert checked > 0


def test_javascript_imports_resolve_to_committed_files() -> None:
    files = committed()
    scripts = list((WEB / "static" / "js").rglob("*.js"))
    assert scripts
    for script in scripts:
        text = script.read_text()
        rel = script.relative_to(ROOT).as_posix()
        assert rel in files, f"{rel} is not committed"
        assert not re.search(r"""import\s.*["']https?://""", text), f"{rel} imports from the web"
        for ref in IMPORT.findall(text):
            if not ref.startswith("."):
                continue
            target = (script.parent / ref).resolve().relative_to(ROOT).as_posix()
            assert target in files, f"{rel} imports {ref}, which is not committed"


def test_docker_compose_is_valid() -> None:
    """The single machine (the scale-out profiles: tests/test_compose_scale_out.py)."""
    compose = ROOT / "docker-compose.yml"
    if shutil.which("docker-compose"):
        result = subprocess.run(["docker-compose", "-f", str(compose), "config", "-q"],
                                capture_output=True, text=True, cwd=ROOT)
        assert result.returncode == 0, result.stderr
    doc = yaml.safe_load(compose.read_text())
    app, gpu = doc["services"]["app"], doc["services"]["app-gpu"]
    assert "profiles" not in app
    assert gpu["profiles"] == ["gpu"]
    device = gpu["deploy"]["resources"]["reservations"]["devices"][0]
    assert device["driver"] == "nvidia"
    assert "gpu" in device["capabilities"]
    for service in (app, gpu):
        assert "/api/ready" in " ".join(service["healthcheck"]["test"])  # readiness
        assert any(v.startswith("./models:") for v in service["volumes"])


def test_gpu_profile_builds_the_cuda_lock() -> None:
    doc = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert doc["services"]["app-gpu"]["build"]["args"]["TORCH_BUILD"] == "cuda"
    assert "args" not in doc["services"]["app"]["build"]  # the CPU image: the Dockerfile default


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_python_dash_m_server_serves_health() -> None:
    port = _free_port()
    env = {**os.environ, "CNNPG_PORT": str(port)}  # the port comes from the environment
    proc = subprocess.Popen([sys.executable, "-m", "server", "serve", "--host", "127.0.0.1"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2) as r:
                    body = r.read().decode()
                    break
            except OSError:
                assert proc.poll() is None, proc.stdout.read().decode() if proc.stdout else ""
                assert time.monotonic() < deadline, "server did not answer within 30 s"
                time.sleep(0.2)
        assert '"status":"ok"' in body
    finally:
        proc.terminate()
        proc.communicate(timeout=10)  # also closes the pipe


def test_cli_help_lists_serve() -> None:
    result = subprocess.run([sys.executable, "-m", "server", "--help"], capture_output=True,
                            text=True, cwd=ROOT)
    assert result.returncode == 0
    assert "serve" in result.stdout


def test_api_docs_page_works_offline() -> None:
    from app_settings import make_settings
    from fastapi.testclient import TestClient

    from server.main import create_app

    files = committed()
    with TestClient(create_app(make_settings())) as client:
        html = client.get("/docs").text
        assert "/static/js/api_docs.js" in html  # starts SwaggerUIBundle; no inline script
        assert "SwaggerUIBundle" in client.get("/static/js/api_docs.js").text
        assert not re.search(r"<script>|<script [^>]*>[^<]", html), "inline script on /docs"
        assert not re.search(r"""(src|href)=["']https?://""", html), "docs page uses a CDN"
        refs = re.findall(r"""(?:src|href)=["'](/static/[^"']+)["']""", html)
        assert len(refs) >= 2
        for ref in refs:
            assert "web" + ref in files, f"{ref} is not committed"
            assert client.get(ref).status_code == 200
        assert client.get("/redoc").status_code == 404  # no CDN-backed page left behind


def test_an_installed_wheel_carries_every_catalogue(tmp_path: Path) -> None:
    """`pip install` then `cnn-playground serve` speaks every language: the .po files are
    package data (read when the server starts; nothing is compiled)."""
    import zipfile

    from server.i18n.catalogues import po_path
    from server.i18n.languages import LANGUAGES, SOURCE

    subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps",
                    "--no-build-isolation", "-q", "-w", str(tmp_path)], check=True,
                   capture_output=True, timeout=300)
    (wheel,) = tmp_path.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for language in LANGUAGES.values():
        if language.tag != SOURCE:
            assert po_path(language).relative_to(ROOT).as_posix() in names
