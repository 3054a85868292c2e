"""What every command shares: the consoles, the --db/--json/--quiet options, one way to open the
store, print JSON and findings, and turn expected errors into a message and exit code 2.

Nothing a list or a store holds can drive the terminal: both consoles strip control characters
from every string they render (`clean`) and interpret no markup unless a call asks for it, so a
title with an escape sequence or a date written `[/oops]` prints as text. Plain writes go through
`echo`, which cleans too.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any

import typer
from pydantic import BaseModel
from rich import progress as rich_progress
from rich.console import Console
from rich.text import Text

from headkg.api.settings import Settings
from headkg.db.store import HeadKG
from headkg.schema.exceptions import BuildRefusedError, HeadKGError, NotFoundError
from headkg.schema.findings import Finding

if TYPE_CHECKING:
    from headkg.ingest.pipeline import Progress

# C0 and C1 controls but newline and tab, DEL, and the bidirectional overrides ("Trojan source")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def clean(text: str) -> str:
    """`text` without the characters that drive a terminal (escape sequences, carriage returns...)."""
    return _CONTROL.sub("", text)


class SafeConsole(Console):
    """A rich console that strips control characters from every string it renders (tables included)."""

    def render_str(self, text: str, **kwargs: Any) -> Text:
        return super().render_str(clean(text), **kwargs)


out = SafeConsole(soft_wrap=True, markup=False, highlight=False)
err = SafeConsole(stderr=True, soft_wrap=True, markup=False, highlight=False)


def echo(text: str, *, to_err: bool = False, nl: bool = True) -> None:
    """Write plain text (no markup, no wrapping), cleaned of control characters."""
    stream = sys.stderr if to_err else sys.stdout
    stream.write(clean(text) + ("\n" if nl else ""))
    stream.flush()


def styled(*parts: str | tuple[str, str]) -> Text:
    """A line of text and (text, style) pieces, every piece cleaned: `styled(("error:", "red"), " ", message)`."""
    return Text.assemble(*((clean(p[0]), p[1]) if isinstance(p, tuple) else clean(p) for p in parts))


def print_error(message: str) -> None:
    err.print(styled(("error:", "red"), " ", message))


DbOption = Annotated[
    str | None,
    typer.Option("--db", help="Store URL or SQLite file (default: $HEADKG_DB, else a file in the user data dir)."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="No progress display.")]


def store_for(db: str | None, *, read_only: bool = False) -> HeadKG:
    """The store at --db (default: HEADKG_DB), with the settings' PostgreSQL schema and lock timeout."""
    return Settings.from_env().open_store(db, read_only=read_only)


@contextmanager
def reported_errors() -> Iterator[None]:
    """Expected failures become one line on stderr and exit code 2, never a traceback."""
    try:
        yield
    except NotFoundError as exc:
        print_error(str(exc))
        if exc.suggestions:
            err.print("did you mean: " + ", ".join(exc.suggestions))
        raise typer.Exit(2) from None
    except BuildRefusedError as exc:
        print_findings(exc.findings)
        print_error(str(exc))
        raise typer.Exit(2) from None
    except HeadKGError as exc:
        print_error(str(exc))
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
        hint = f"\n    hint: {finding.hint}" if finding.hint else ""
        err.print(styled(f"{finding.location()}: ", (finding.severity, colour), f": {finding.message}{hint}"))
