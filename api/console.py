"""What every command shares: the consoles, the --db/--json/--quiet options, one way to open the
store, print JSON and findings, and turn expected errors into a message and exit code 2."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from pydantic import BaseModel
from rich import progress as rich_progress
from rich.console import Console

from headkg.api.settings import Settings
from headkg.db.store import HeadKG
from headkg.ingest.pipeline import Progress
from headkg.schema.exceptions import HeadKGError, NotFoundError
from headkg.schema.findings import Finding

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

DbOption = Annotated[
    str | None,
    typer.Option("--db", help="Store URL or SQLite file (default: $HEADKG_DB, else a file in the user data dir)."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="No progress display.")]


def store_for(db: str | None) -> HeadKG:
    return HeadKG(db or Settings.from_env().db_url)


@contextmanager
def reported_errors() -> Iterator[None]:
    """Expected failures become one line on stderr and exit code 2, never a traceback."""
    try:
        yield
    except NotFoundError as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False)
        if exc.suggestions:
            err.print("did you mean: " + ", ".join(exc.suggestions), highlight=False)
        raise typer.Exit(2) from None
    except HeadKGError as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(2) from None


@contextmanager
def progress_steps(quiet: bool) -> Iterator[Progress | None]:
    """A spinner on stderr naming the current step: the callback a library call reports steps to
    (None when `quiet`, so the library does not even format them)."""
    if quiet:
        yield None
        return
    columns = (rich_progress.SpinnerColumn(), rich_progress.TextColumn("{task.description}"))
    with rich_progress.Progress(*columns, rich_progress.TimeElapsedColumn(), console=err, transient=True) as bar:
        task = bar.add_task("starting", total=None)
        yield lambda label: bar.update(task, description=label)


def print_json(data: Any) -> None:
    """Stable, diffable JSON: the same store prints the same bytes."""
    if isinstance(data, BaseModel):
        data = data.model_dump(mode="json")
    elif isinstance(data, list):
        data = [d.model_dump(mode="json") if isinstance(d, BaseModel) else d for d in data]
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def print_findings(findings: list[Finding]) -> None:
    for finding in findings:
        colour = "red" if finding.severity == "error" else "yellow"
        err.print(
            f"{finding.location()}: [{colour}]{finding.severity}[/{colour}]: {finding.message}"
            + (f"\n    hint: {finding.hint}" if finding.hint else ""),
            highlight=False,
            markup=True,
        )
