"""`headkg vocabulary init`: the list's own vocabulary file, started for its maintainers."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from headkg.api.console import reported_errors
from headkg.db.store import HeadKG

app = typer.Typer(help="The list's own vocabulary (.headkg/vocabulary.yaml in its repository).", no_args_is_help=True)


@app.command()
def init(
    path: Annotated[Path, typer.Argument(help="A checkout of the list.")] = Path("."),
    force: Annotated[bool, typer.Option("--force", help="Replace an existing vocabulary file.")] = False,
) -> None:
    """Write .headkg/vocabulary.yaml declaring the head types the list uses that headkg does not know."""
    with reported_errors():
        written = HeadKG.init_vocabulary(path.resolve(), force=force)
        names = ", ".join(written.heads) if written.heads else "none: headkg knows every head type of the list"
        sys.stdout.write(f"wrote {written.path}: {len(written.heads)} head type(s) to declare ({names})\n")
