"""How long "your own data" takes from nothing to a classified picture (#16; goal: under 90 s
on this machine), in a real browser against the same flow through the bare REST API.

    .venv/bin/python bench/dataset_flow.py [--rounds 1] [--json F]

The page flow is the browser test tests/browser/test_dataset_flow.py (new dataset, two
classes of 30 pictures picked from disk, "Train on this", 8 epochs, "Classify with it",
two unseen pictures), run by pytest with CNNPG_FLOW_TIMES set so that it writes its stage
times. The baseline makes the same dataset, the same run and the same two predictions with
plain HTTP calls on a server of its own: what is left of the page flow's time beyond it is
the pages' own cost (loading, drawing, the user's clicks). Both start on a new server, just
healthy, with default settings (its warm workers may still be starting: the first run can
wait for one, in both flows). A benchmark, not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make `bench` and `server` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))  # its pictures

from multipart import encode
from pictures import stripes

from bench.harness import ROOT, auth_headers, median, request_json, server_process, session_token

PER_CLASS, EPOCHS = 30, 8
CLASSES = {"vertical": True, "horizontal": False}
TRAINING = {"epochs": EPOCHS, "batch_size": 16, "learning_rate": 0.003,
            "validation_split": 0.2}


def post_form(url: str, token: str | None, fields: dict[str, str],
              files: list[tuple[str, str, bytes, str]]) -> dict[str, Any]:
    body, content_type = encode(fields, files)
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": content_type, **auth_headers(token)})
    with urllib.request.urlopen(request, timeout=120) as response:
        answer: dict[str, Any] = json.load(response)
    return answer


def api_flow(base: str) -> float:
    """The same flow as the browser test through the REST API; its seconds."""
    started = time.perf_counter()
    token = session_token(base)
    made = request_json("POST", f"{base}/api/datasets", {"name": "Stripes", "size": 32,
                        "classes": list(CLASSES)}, token)
    for label, vertical in CLASSES.items():
        pictures = [("files", f"{label}{i}.png", stripes(vertical, i + 1000 * vertical),
                     "image/png") for i in range(PER_CLASS)]
        post_form(f"{base}/api/datasets/{made['id']}/images", token, {"label": label},
                  pictures)
    run = request_json("POST", f"{base}/api/runs", {
        "network": {"preset": "lenet-mnist"}, "dataset": made["id"], "training": TRAINING},
        token)
    while run["status"] not in ("finished", "failed", "stopped") or (
            run["status"] == "finished" and not run.get("model_id")):
        time.sleep(0.05)
        run = request_json("GET", f"{base}/api/runs/{run['id']}", token=token)
    assert run["status"] == "finished", run.get("message")
    for label, vertical in CLASSES.items():
        answer = post_form(f"{base}/api/models/{run['model_id']}/predict", token, {}, [
            ("file", "new.png", stripes(vertical, 7000 + vertical), "image/png")])
        top = answer["predictions"][0]["label"]
        assert top == label, (top, label)
    return time.perf_counter() - started


def page_flow() -> dict[str, Any]:
    """The browser test, timed by itself (its own server and Chromium start not counted)."""
    with tempfile.NamedTemporaryFile(suffix=".json") as times:
        subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                        "tests/browser/test_dataset_flow.py"], cwd=ROOT, check=True,
                       env={**os.environ, "CNNPG_FLOW_TIMES": times.name})
        answer: dict[str, Any] = json.loads(Path(times.name).read_text())
    return answer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    pages, bare = [], []
    for _ in range(args.rounds):  # alternating, so the machine's noise falls on both
        pages.append(page_flow())
        # A new server each time, as the browser test has: both flows start on a server
        # that has just answered its first health check (its warm workers still starting).
        models = tempfile.mkdtemp(prefix="cnnpg-bench-flow-")
        with server_process(env={"CNNPG_MODELS_DIR": models}) as server:
            bare.append(api_flow(server.base))
    page_s = median([p["total_s"] for p in pages])
    result = {"page_s": [p["total_s"] for p in pages], "api_s": bare,
              "stages_s": pages[-1]["stages_s"], "ratio": page_s / median(bare)}
    print(f"page flow, new dataset -> classified picture: {page_s:.1f} s (goal < 90 s); "
          f"stages {', '.join(f'{k} {v:.1f} s' for k, v in result['stages_s'].items())}")
    print(f"the same flow through the REST API: {median(bare):.1f} s")
    print(f"ratio page / API: {result['ratio']:.2f}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
