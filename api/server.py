"""`headkg serve`: the API under uvicorn."""

from __future__ import annotations

import threading

import uvicorn

from headkg.api import pages
from headkg.api.app import create_app
from headkg.db.store import HeadKG
from headkg.schema.exceptions import StoreError


def serve(db_url: str, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve the store at `db_url` until interrupted (Ctrl-C or SIGTERM, both a clean shutdown).

    A missing store is a StoreError before binding the port (the CLI prints it and exits 2),
    rather than an API that answers 503 to everything.
    """
    kg = HeadKG(db_url)
    if not kg.exists():
        raise StoreError(f"no store at {kg.url.render_as_string(hide_password=True)}; run `headkg build` first")
    app = create_app(kg)
    threading.Thread(target=pages.warm, args=(app,), name="headkg-warm", daemon=True).start()
    try:
        uvicorn.run(app, host=host, port=port, log_level="info")
    finally:
        kg.close()
