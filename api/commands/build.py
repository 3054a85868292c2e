"""`headkg build`."""

from __future__ import annotations

from typing import Annotated

import typer

from headkg.api.console import DbOption, QuietOption, err, print_findings, progress_steps, reported_errors, store_for
from headkg.api.settings import Settings
from headkg.db.build import BuildReport
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
    db: DbOption = None,
    quiet: QuietOption = False,
) -> None:
    """Build (or update) the store from the list: README table, bib files, taxonomy and tables."""
    with reported_errors():
        kg = store_for(db)
        upstream = Settings.from_env().upstream()
        with progress_steps(quiet) as step:
            report = kg.build(source, strict=strict, full=full, progress=step, upstream=upstream)
        if report.notice:
            err.print(f"headkg: {report.notice}", highlight=False, markup=False)
        print_findings(report.findings)
        _print_build_summary(report)
        if strict and report.findings:
            err.print(f"[red]--strict: {len(report.findings)} warning(s); the store was not changed[/red]")
            raise typer.Exit(1)


def _print_build_summary(report: BuildReport) -> None:
    counts = [
        plural(report.papers, "paper"),
        plural(report.heads, "head type"),
        plural(report.paper_head_pairs, "paper–head pair"),
        f"{plural(report.head_sightings, 'sighting')} of them in the list",
        plural(len(report.findings), "warning"),
    ]
    err.print(", ".join(counts) + (f" → {report.store}" if report.written else ""), highlight=False)
    for line in report.changes:
        err.print(f"  {line}", highlight=False)
