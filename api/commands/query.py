"""`headkg papers` and `headkg paper ID`: which papers, and one paper in full."""

from __future__ import annotations

from typing import Annotated

import typer

from headkg.api.commands import filters as f
from headkg.api.console import DbOption, reported_errors, store_for
from headkg.schema.citation import CITATION_CAP
from headkg.schema.views import PaperFilter

PAPER_FORMATS = "table, json, csv, tsv (default: a table on a terminal, TSV when piped), bibtex, csl-json, ris, "
WHOLE_FORMATS = ("json", "table", "csv", "tsv")  # never refused for their size in the CLI


@f.with_paper_filters()
def papers(
    filters: PaperFilter = f.FROM_OPTIONS,
    paper_id: Annotated[
        list[str] | None,
        typer.Option(
            "--id",
            help="Only this paper, by any id it answers to (a former id too); repeat for several. "
            "Combines with the other filters (AND); an unknown id exits 2.",
        ),
    ] = None,
    sort: Annotated[
        str | None, typer.Option(help="relevance (the default with --q), date (the default), -date, title, -title.")
    ] = None,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            help=f"{PAPER_FORMATS}markdown or latex; a citation, Markdown or LaTeX takes {CITATION_CAP:,} at most.",
        ),
    ] = None,
    as_json: f.AsJson = False,
    limit: f.Limit = None,
    offset: f.Offset = 0,
    db: DbOption = None,
) -> None:
    """List papers, e.g. which papers found both of two head types, or cite them all (--format bibtex)."""
    with reported_errors():
        chosen = f.output_format(fmt, as_json)
        filters = filters.model_copy(update={"ids": paper_id or None})
        cap = None if chosen in WHOLE_FORMATS else CITATION_CAP
        found = store_for(db).paper_list(filters, sort=sort, cap=cap, limit=limit, offset=offset)
        f.write_rendered(chosen, found)


def paper(
    paper_id: Annotated[str, typer.Argument(metavar="ID", help="Any id the paper answers to, a former id too.")],
    fmt: f.Format = None,
    as_json: f.AsJson = False,
    db: DbOption = None,
) -> None:
    """One paper in full: its record and, for each head type it reports, the file:line of the list
    that says so and the spelling written there."""
    with reported_errors():
        f.write_rendered(f.output_format(fmt, as_json), store_for(db).paper(paper_id))
