"""`headkg analyze NAME`: the field as a whole (timeline, cooccurrence, gaps, growth)."""

from __future__ import annotations

from typing import Annotated

import typer

from headkg.api.commands import filters as f
from headkg.api.commands.filters import write_rendered
from headkg.api.console import DbOption, reported_errors, store_for
from headkg.schema.analysis import ANALYSES
from headkg.schema.views import PaperFilter


@f.with_paper_filters()
def analyze(
    name: Annotated[str, typer.Argument(help=" | ".join(ANALYSES), metavar="NAME")],
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format", help="table, json, csv, tsv, markdown or latex; default: a table on a terminal, TSV when piped."
        ),
    ] = None,
    as_json: f.AsJson = False,
    filters: PaperFilter = f.FROM_OPTIONS,
    db: DbOption = None,
) -> None:
    """timeline: each head type's first report, in order; cooccurrence: papers that found both head types;
    gaps: the model families the survey saw each head type in (per head type, not per paper); growth: papers
    per year by stage and by the most reported head types. Filters narrow the papers analysed."""
    with reported_errors():
        write_rendered(f.output_format(fmt, as_json), store_for(db).analysis(name.strip().lower(), filters))
