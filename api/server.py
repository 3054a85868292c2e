"""`headkg serve`: the API under uvicorn."""

from __future__ import annotations

import gc
import socket

import uvicorn
from fastapi import FastAPI

from headkg.api import pages
from headkg.api.app import create_app
from headkg.db.store import HeadKG
from headkg.schema.exceptions import HeadKGError, InvalidRequestError
from headkg.schema.views import PaperFilter


def warm(app: FastAPI) -> None:
    """Compute what the pages keep (before the server listens), then freeze what start-up made (the
    app, its kept answers, matplotlib...) out of the garbage collector's sight: a full collection
    over them took ~130 ms, which a reader would feel as a slow page now and then."""
    pages.warm(app)
    try:  # the total and facets of the unfiltered /papers, which every page of it shares
        app.state.kg.papers(PaperFilter(), limit=1, facets=True)
    except HeadKGError:
        pass  # no store to warm: its requests will say so
    gc.freeze()


def serve(store: HeadKG | str, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve the store (a HeadKG, or a URL opened read-only) until interrupted (Ctrl-C or SIGTERM,
    both a clean shutdown).

    A missing or unreadable store is a StoreError before binding the port (the CLI prints it and
    exits 2), rather than an API that answers 503 to everything. A port that is taken is one too.
    """
    kg = store if isinstance(store, HeadKG) else HeadKG(store, read_only=True)
    kg.generation()  # StoreError when there is no store, or it cannot be read
    _check_port(host, port)
    app = create_app(kg)
    # Before listening, not beside it: at 100,000 papers warming takes seconds of the interpreter,
    # and the first readers' requests would wait behind it (p99 of hundreds of ms).
    warm(app)
    try:
        uvicorn.run(app, host=host, port=port, log_level="info")
    finally:
        kg.close()


def _check_port(host: str, port: int) -> None:
    """InvalidRequestError (one line) when the port cannot be bound, instead of uvicorn's exit."""
    if not 0 < port < 65536:
        raise InvalidRequestError(f"port {port} is out of range: give 1 to 65535")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise InvalidRequestError(f"cannot listen on {host}: {exc}") from exc
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            raise InvalidRequestError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
