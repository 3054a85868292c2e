"""`headkg render`: the list's README written back from the store."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from headkg.api.console import DbOption, reported_errors, store_for
from headkg.ingest.listedit.atomic_write import write_atomic


def render(
    db: DbOption = None,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="File to write (default: standard output).")
    ] = None,
) -> None:
    """Write the list's README from the store, in the list's own layout: every paper row from what the
    build read of it (date, title, badges, links, summary), the text around the rows as it was."""
    with reported_errors():
        pieces = store_for(db).readme()
        if output is None:
            for piece in pieces:
                sys.stdout.write(piece)
            return
        write_atomic(output, "".join(pieces).encode("utf-8"))
