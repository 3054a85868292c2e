"""`headkg build`."""

from __future__ import annotations

from typing import Annotated

import typer

from headkg.api.console import (
    DbOption,
    QuietOption,
    err,
    print_findings,
    progress_steps,
    reported_errors,
    styled,
)
from headkg.api.settings import Settings
from headkg.db.build import BuildReport
from headkg.schema.exceptions import InvalidRequestError
from headkg.schema.table import plural


def build(
    source: Annotated[
        str | None,
        typer.Option(
            help="A checkout of the list, or a git URL (default: clone or pull the upstream list; offline, "
            "its cached clone or the snapshot bundled with headkg)."
        ),
    ] = None,
    strict: Annotated[
        bool, typer.Option(help="Exit 1 when the input gives any warning (the store is then left unchanged).")
    ] = False,
    full: Annotated[bool, typer.Option(help="Rebuild everything even when the store could be updated.")] = False,
    allow_shrink: Annotated[
        bool,
        typer.Option(help="Write even when the build removes more of the store's papers than --max-shrink allows."),
    ] = False,
    max_shrink: Annotated[
        float | None,
        typer.Option(
            metavar="PERCENT",
            help="Percent of the store's papers a build may remove before it stops with exit 2 "
            "(default: $HEADKG_MAX_SHRINK, else 10).",
        ),
    ] = None,
    db: DbOption = None,
    quiet: QuietOption = False,
) -> None:
    """Build (or update) the store from the list: README table, bib files, taxonomy and tables.

    Nothing is written when the input cannot be trusted: a README without its paper table, or a build that
    would remove more than --max-shrink of the store's papers, stops with exit 2 (the store unchanged).
    """
    with reported_errors():
        settings = Settings.from_env()
        kg = settings.open_store(db)
        shrink = settings.max_shrink if max_shrink is None else max_shrink
        if not 0 <= shrink <= 100:
            raise InvalidRequestError(f"--max-shrink {max_shrink:g}: give a percent from 0 to 100")
        with progress_steps(quiet) as step:
            report = kg.build(
                source,
                strict=strict,
                full=full,
                progress=step,
                upstream=settings.upstream(),
                allow_shrink=allow_shrink,
                max_shrink=shrink / 100,
            )
        if report.notice:
            err.print(f"headkg: {report.notice}")
        print_findings(report.findings)
        _print_build_summary(report)
        if strict and report.findings:
            err.print(styled((f"--strict: {len(report.findings)} warning(s); the store was not changed", "red")))
            raise typer.Exit(1)


def _print_build_summary(report: BuildReport) -> None:
    counts = [
        plural(report.papers, "paper"),
        plural(report.heads, "head type"),
        plural(report.paper_head_pairs, "paper–head pair"),
        f"{plural(report.head_sightings, 'sighting')} of them in the list",
        plural(len(report.findings), "warning"),
    ]
    err.print(", ".join(counts) + (f" → {report.store}" if report.written else ""))
    for line in report.changes:
        err.print(f"  {line}")
