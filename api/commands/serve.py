"""`headkg serve`."""

from __future__ import annotations

from typing import Annotated

import typer

from headkg.api.console import DbOption, reported_errors, store_for
from headkg.api.server import serve as run_server


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on (1 to 65535).")] = 8000,
    db: DbOption = None,
) -> None:
    """Serve the store read-only over HTTP (OpenAPI at /openapi.json, docs at /docs)."""
    with reported_errors():
        run_server(store_for(db, read_only=True), host=host, port=port)
