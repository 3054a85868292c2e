"""`headkg snapshot` (maintainers, before a release)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from headkg.api.console import err, reported_errors
from headkg.api.settings import Settings
from headkg.ingest import bundled
from headkg.ingest.source import checkout


def snapshot(
    source: Annotated[
        str | None, typer.Option(help="A checkout of the list, or a git URL (default: the upstream list).")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="File to write (default: the one bundled in the package).")
    ] = None,
    commit: Annotated[
        str | None, typer.Option(help="The list's commit (default: the checkout's last commit; needed outside git).")
    ] = None,
    date: Annotated[
        dt.datetime | None,
        typer.Option(formats=["%Y-%m-%d"], help="That commit's date, YYYY-MM-DD (default: from git)."),
    ] = None,
) -> None:
    """Write the list snapshot bundled with headkg, which `build` uses offline: every fact but the summaries."""
    with reported_errors():
        root = checkout(source, Settings.from_env().upstream())
        target = output or bundled.bundled_path()
        made, size = bundled.make(root, target, commit=commit, date=date.date() if date else None)
        err.print(
            f"wrote {target}: list commit {made.label}, {made.paper_count} papers, {size / 1000:.0f} kB",
            highlight=False,
        )
