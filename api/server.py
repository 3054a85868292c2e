"""`headkg serve`: the API under uvicorn."""

from __future__ import annotations

import gc
import threading

import uvicorn
from fastapi import FastAPI

from headkg.api import pages
from headkg.api.app import create_app
from headkg.db.store import HeadKG
from headkg.schema.exceptions import StoreError


def warm(app: FastAPI) -> None:
    """Compute what the pages keep, then freeze what start-up made (the app, its kept answers,
    matplotlib...) out of the garbage collector's sight: a full collection over them took ~130 ms,
    which a reader would feel as a slow page now and then."""
    pages.warm(app)
    gc.freeze()


def serve(db_url: str, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve the store at `db_url` until interrupted (Ctrl-C or SIGTERM, both a clean shutdown).

    A missing store is a StoreError before binding the port (the CLI prints it and exits 2),
    rather than an API that answers 503 to everything.
    """
    kg = HeadKG(db_url)
    if not kg.exists():
        raise StoreError(f"no store at {kg.url.render_as_string(hide_password=True)}; run `headkg build` first")
    app = create_app(kg)
    threading.Thread(target=warm, args=(app,), name="headkg-warm", daemon=True).start()
    try:
        uvicorn.run(app, host=host, port=port, log_level="info")
    finally:
        kg.close()
