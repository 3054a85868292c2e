"""`headkg compare --head NAME`: the papers that found one head type, side by side."""

from __future__ import annotations

from typing import Annotated

import typer

from headkg.api.commands import filters as f
from headkg.api.commands.filters import write_rendered
from headkg.api.console import DbOption, reported_errors, store_for


def compare(
    head: Annotated[str, typer.Option(help="The head type to compare papers on: any alias, any case.")],
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            help="table, json, csv, tsv, markdown or latex (booktabs); default: a table on a terminal, TSV when piped.",
        ),
    ] = None,
    as_json: f.AsJson = False,
    stage: f.Stage = None,
    method: f.Method = None,
    benchmark: f.Benchmark = None,
    model: f.Model = None,
    topic: f.Topic = None,
    year_from: f.YearFrom = None,
    year_to: f.YearTo = None,
    q: f.Words = None,
    db: DbOption = None,
) -> None:
    """One row per paper that found the head type: date, title, venue, link, methods, benchmarks, other head
    types; the model families the survey attaches to the head type head the table."""
    with reported_errors():
        filters = f.paper_filter(
            stage=stage,
            method=method,
            benchmark=benchmark,
            model=model,
            topic=topic,
            year_from=year_from,
            year_to=year_to,
            q=q,
        )
        write_rendered(f.output_format(fmt, as_json), store_for(db).comparison(head, filters))
