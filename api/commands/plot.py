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
from headkg.schema.views import PaperFilter

SUFFIXES = {".svg": "svg", ".png": "png", ".pdf": "pdf"}


@f.with_paper_filters()
def plot(
    name: Annotated[str, typer.Argument(help=" | ".join(ANALYSES), metavar="NAME")],
    output: Annotated[Path, typer.Option("-o", "--output", help="File to write: .svg, .png or .pdf.")],
    filters: PaperFilter = f.FROM_OPTIONS,
    db: DbOption = None,
) -> None:
    """Draw an analysis (growth, timeline, gaps, cooccurrence) at a paper's column width, in the stage
    colours of the GEXF export; the figure shows exactly what `headkg analyze NAME` prints."""
    with reported_errors():
        fmt = SUFFIXES.get(output.suffix.lower())
        if fmt is None:
            raise InvalidRequestError(f"cannot tell the format of {output}: end it in {', '.join(SUFFIXES)}")
        data = render(fmt, store_for(db).analysis(name.strip().lower(), filters))
        try:
            output.parent.mkdir(parents=True, exist_ok=True)
            output.write_bytes(data)
        except OSError as exc:
            raise InvalidRequestError(f"cannot write {output}: {exc.strerror or exc}") from exc
        err.print(f"wrote {output}", highlight=False)
