"""The app on a real uvicorn server in a process of its own, for the hostile suite: its
memory (RSS) and its answer times are then the server's alone, not shared with the test
client that generates requests. Run as a script:

    python tests/hostile/server_process.py '{"image_cache_bytes": 8388608, ...}'

It prints host:port once the server is up and serves until its stdin is closed."""

from __future__ import annotations

import json
import sys
from pathlib import Path

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # app_settings, live_server
    from app_settings import make_settings
    from live_server import serving

    from server.main import create_app

    app = create_app(make_settings(**json.loads(sys.argv[1])))
    with serving(app) as host:
        print(host, flush=True)
        sys.stdin.read()  # until the parent closes the pipe (or exits)
