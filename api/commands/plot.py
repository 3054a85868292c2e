"""`headkg plot NAME -o FILE`: an analysis as a figure for a paper (SVG, PNG or PDF by suffix)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from headkg.api.commands import filters as f
from headkg.api.console import DbOption, err, reported_errors, store_for
from headkg.api.render import render
from headkg.schema.analysis import ANALYSES
from headkg.schema.exceptions import InvalidRequestError

SUFFIXES = {".svg": "svg", ".png": "png", ".pdf": "pdf"}


def plot(
    name: Annotated[str, typer.Argument(help=" | ".join(ANALYSES), metavar="NAME")],
    output: Annotated[Path, typer.Option("-o", "--output", help="File to write: .svg, .png or .pdf.")],
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
    """Draw an analysis (growth, timeline, gaps, cooccurrence) at a paper's column width, in the stage
    colours of the GEXF export; the figure shows exactly what `headkg analyze NAME` prints."""
    with reported_errors():
        fmt = SUFFIXES.get(output.suffix.lower())
        if fmt is None:
            raise InvalidRequestError(f"cannot tell the format of {output}: end it in {', '.join(SUFFIXES)}")
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
        data = render(fmt, store_for(db).analysis(name.strip().lower(), filters))
        try:
            output.parent.mkdir(parents=True, exist_ok=True)
            output.write_bytes(data)
        except OSError as exc:
            raise InvalidRequestError(f"cannot write {output}: {exc.strerror or exc}") from exc
        err.print(f"wrote {output}", highlight=False)
