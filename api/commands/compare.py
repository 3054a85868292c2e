"""`headkg compare --head NAME`: the papers that found one head type, side by side."""

from __future__ import annotations

from typing import Annotated

import typer

from headkg.api.commands import filters as f
from headkg.api.commands.filters import write_rendered
from headkg.api.console import DbOption, reported_errors, store_for
from headkg.schema.views import PaperFilter


@f.with_paper_filters(leave_out=("head", "any_head", "with_heads"))
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
    filters: PaperFilter = f.FROM_OPTIONS,
    db: DbOption = None,
) -> None:
    """One row per paper that found the head type: date, title, venue, link, methods, benchmarks, other head
    types; the model families the survey attaches to the head type head the table."""
    with reported_errors():
        write_rendered(f.output_format(fmt, as_json), store_for(db).comparison(head, filters))
