"""The framework's ceiling: a bare FastAPI app that answers each benchmarked URL with a static JSON
body of the same bytes headkg answered, and does nothing else. Run by bench_api under uvicorn with
headkg's worker count:
`HEADKG_BENCH_BODIES=bodies.json uvicorn benchmarks.ceiling_app:app`.

`bodies.json` maps a path with its query string (`/papers?head=x&limit=50`) to the body text.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from fastapi import FastAPI, Request, Response

BODIES: dict[str, bytes] = {
    url: body.encode("utf-8")
    for url, body in json.loads(Path(os.environ.get("HEADKG_BENCH_BODIES", "/dev/null")).read_text() or "{}").items()
}
app = FastAPI()


@app.get("/{path:path}")
async def static_body(request: Request) -> Response:
    """The stored body for this URL (404 for any other)."""
    url = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    body = BODIES.get(url)
    if body is None:
        return Response(b'{"detail": "not benchmarked"}', status_code=404, media_type="application/json")
    return Response(body, media_type="application/json")
