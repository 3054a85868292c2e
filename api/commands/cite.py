"""`headkg cite ID...`: one or more papers as citations (BibTeX by default)."""

from __future__ import annotations

from typing import Annotated

import typer

from headkg.api.commands.filters import write_rendered
from headkg.api.console import DbOption, reported_errors, store_for


def cite(
    paper_ids: Annotated[list[str], typer.Argument(help="Paper ids, as `headkg papers` shows them.", metavar="ID...")],
    fmt: Annotated[str, typer.Option("--format", help="bibtex, csl-json, ris, csv, tsv, json or table.")] = "bibtex",
    db: DbOption = None,
) -> None:
    """Print the citation of each paper, with the survey's own bib key where it has one."""
    with reported_errors():
        write_rendered(fmt, store_for(db).cited(paper_ids))
