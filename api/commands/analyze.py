"""`headkg analyze NAME`: the field as a whole (timeline, cooccurrence, gaps, growth)."""

from __future__ import annotations

from typing import Annotated

import typer

from headkg.api.commands import filters as f
from headkg.api.commands.filters import write_rendered
from headkg.api.console import DbOption, reported_errors, store_for
from headkg.schema.analysis import ANALYSES


def analyze(
    name: Annotated[str, typer.Argument(help=" | ".join(ANALYSES), metavar="NAME")],
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format", help="table, json, csv, tsv, markdown or latex; default: a table on a terminal, TSV when piped."
        ),
    ] = None,
    as_json: f.AsJson = False,
    head: f.Head = None,
    any_head: f.AnyHead = False,
    stage: f.Stage = None,
    method: f.Method = None,
    benchmark: f.Benchmark = None,
    model: f.Model = None,
    topic: f.Topic = None,
    with_heads: f.WithHeads = None,
    year_from: f.YearFrom = None,
    year_to: f.YearTo = None,
    q: f.Words = None,
    db: DbOption = None,
) -> None:
    """timeline: each head type's first report, in order; cooccurrence: papers that found both head types;
    gaps: the model families the survey saw each head type in (per head type, not per paper); growth: papers
    per year by stage and by the most reported head types. Filters narrow the papers analysed."""
    with reported_errors():
        filters = f.paper_filter(
            head=head,
            any_head=any_head,
            stage=stage,
            method=method,
            benchmark=benchmark,
            model=model,
            topic=topic,
            with_heads=with_heads,
            year_from=year_from,
            year_to=year_to,
            q=q,
        )
        write_rendered(f.output_format(fmt, as_json), store_for(db).analysis(name.strip().lower(), filters))
