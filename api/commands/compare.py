"""`headkg compare --head NAME`: the papers that found one head type, side by side."""

from __future__ import annotations

from typing import Annotated

import typer

from headkg.api.commands import filters as f
from headkg.api.commands.filters import write_rendered
from headkg.api.console import DbOption, reported_errors, store_for
from headkg.schema.views import PaperFilter


def compare(
    head: Annotated[str, typer.Option(help="The head type to compare papers on: any alias, any case.")],
    fmt: Annotated[
        str, typer.Option("--format", help="table, csv, tsv, markdown, latex (booktabs) or json.")
    ] = "table",
    stage: f.Stage = None,
    method: f.Method = None,
    benchmark: f.Benchmark = None,
    model: f.Model = None,
    year_from: f.YearFrom = None,
    year_to: f.YearTo = None,
    q: f.Words = None,
    db: DbOption = None,
) -> None:
    """One row per paper that found the head type: date, title, venue, link, methods, benchmarks, other head
    types; the model families the survey attaches to the head type head the table."""
    with reported_errors():
        filters = PaperFilter(
            stage=stage, method=method, benchmark=benchmark, model=model, year_from=year_from, year_to=year_to, q=q
        )
        write_rendered(fmt, store_for(db).comparison(head, filters))
