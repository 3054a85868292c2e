"""`headkg export`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from headkg.api.console import DbOption, err, reported_errors, store_for
from headkg.api.export.service import export_to_path


def export(
    output: Annotated[Path, typer.Option("-o", "--output", help="File to write (a folder for csv).")],
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            help="gexf, graphml, gml, json, csv (cells safe to open in a spreadsheet) or csv-verbatim (values as "
            "stored, for database imports such as Neo4j).",
        ),
    ] = "gexf",
    projection: Annotated[
        str | None, typer.Option(help="heads: head type - head type graph, weighted by shared papers.")
    ] = None,
    stage: Annotated[str | None, typer.Option(help="Only this stage's head types and their papers.")] = None,
    year_from: Annotated[int | None, typer.Option(help="Only papers from this year on.")] = None,
    year_to: Annotated[int | None, typer.Option(help="Only papers up to this year.")] = None,
    with_authors: Annotated[bool, typer.Option(help="Add author nodes and paper-author edges.")] = False,
    db: DbOption = None,
) -> None:
    """Export the knowledge graph for Gephi (GEXF), Cytoscape/yEd/igraph (GraphML), VOSviewer (GML), d3 or CSV."""
    with reported_errors():
        written = export_to_path(
            store_for(db),
            fmt,
            output,
            projection=projection,
            stage=stage,
            year_from=year_from,
            year_to=year_to,
            with_authors=with_authors,
        )
        err.print(f"wrote {written}", highlight=False)
