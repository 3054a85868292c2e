"""`headkg papers` and `headkg heads`: the store's answers as a table or JSON."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from headkg.api.commands.filters import write_rendered
from headkg.api.console import DbOption, JsonOption, out, print_json, reported_errors, store_for
from headkg.schema.citation import CITATION_CAP
from headkg.schema.views import PaperFilter

PAPER_FORMATS = "bibtex, csl-json, ris, csv, tsv, json, table, markdown or latex"


def papers(
    head: Annotated[str | None, typer.Option(help="A head type: any alias, any case, plural or small typo.")] = None,
    stage: Annotated[str | None, typer.Option(help="Stage code: KR, ICI, LR or EP.")] = None,
    method: Annotated[str | None, typer.Option(help="A method of the survey's tables.")] = None,
    benchmark: Annotated[str | None, typer.Option(help="A benchmark of the survey's tables.")] = None,
    model: Annotated[str | None, typer.Option(help="A model family (gpt, llama, ...).")] = None,
    year_from: Annotated[int | None, typer.Option(help="First year to include.")] = None,
    year_to: Annotated[int | None, typer.Option(help="Last year to include.")] = None,
    q: Annotated[str | None, typer.Option(help="Words to find in titles and authors.")] = None,
    paper_id: Annotated[
        list[str] | None,
        typer.Option(
            "--id",
            help="Only this paper, by any id it answers to (a former id too); repeat for several. "
            "Combines with the other filters (AND); an unknown id exits 2.",
        ),
    ] = None,
    sort: Annotated[str, typer.Option(help="date, -date, title or -title.")] = "date",
    fmt: Annotated[
        str | None,
        typer.Option("--format", help=f"{PAPER_FORMATS}; a citation or spreadsheet takes {CITATION_CAP:,} at most."),
    ] = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """List papers, e.g. which papers found a head type, or cite them all (--format bibtex)."""
    with reported_errors():
        chosen = "json" if as_json else (fmt or "table").strip().lower()
        filters = PaperFilter(
            head=head,
            stage=stage,
            method=method,
            benchmark=benchmark,
            model=model,
            year_from=year_from,
            year_to=year_to,
            q=q,
            ids=paper_id or None,
        )
        cap = None if chosen in ("json", "table") else CITATION_CAP
        write_rendered(chosen, store_for(db).paper_list(filters, sort=sort, cap=cap))


def heads(
    stage: Annotated[str | None, typer.Option(help="Only the head types of this stage (KR, ICI, LR, EP).")] = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """List head types with their stage, model families and paper counts."""
    with reported_errors():
        found = store_for(db).heads(stage=stage)
        if as_json:
            print_json(found)
            return
        table = Table("head type", "stage", "sub-category", "models", "papers", title=f"{len(found)} head types")
        for h in found:
            table.add_row(h.name, h.stage or "", h.sub_category or "", " ".join(h.model_families), str(h.paper_count))
        out.print(table)
