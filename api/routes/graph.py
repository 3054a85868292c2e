"""GET /graph: the knowledge graph as a file for Gephi, Cytoscape, VOSviewer, d3 or a spreadsheet.

A thin route: it parses the query, calls `api.export.service.render` and sends the bytes as an
attachment. An unknown stage raises NotFoundError, which the app's HeadKGError handler turns into a
404; an unknown format or projection, or a year out of 0-9999, is a 422 from the query's validation,
so the accepted values also show in the OpenAPI docs. A reversed year range keeps no paper.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from headkg.api.deps import KG, YearFrom, YearTo
from headkg.api.export.service import FORMATS, FormatName, render

router = APIRouter(tags=["graph"])
GRAPH_FILES_KEPT = 4  # graph files kept per build (they can be large)


@router.get(
    "/graph",
    response_class=Response,
    responses={
        200: {
            "description": "The graph as a file (csv: a zip of nodes.csv and edges.csv whose cells a spreadsheet cannot"
            " run as formulas; csv-verbatim: the same with values as stored, for database imports such as Neo4j).",
            "content": {f.media_type: {} for f in FORMATS.values()},
        }
    },
)
def graph_file(
    kg: KG,
    fmt: Annotated[FormatName, Query(alias="format", description="File format.")] = "gexf",
    projection: Annotated[
        Literal["heads"] | None,
        Query(description="`heads`: head types only, linked when a paper found both (weight = papers)."),
    ] = None,
    stage: Annotated[
        str | None, Query(description="Keep one stage (KR, ICI, LR, EP), its heads and their papers.")
    ] = None,
    year_from: YearFrom = None,
    year_to: YearTo = None,
    with_authors: Annotated[bool, Query(description="Add author nodes linked to their papers.")] = False,
) -> Response:
    """Download the graph: GEXF 1.3 (Gephi), GraphML, GML, node-link JSON or CSV.

    Each file is made once per build of the store and kept: the same query answers at once until
    the next build.
    """
    options = {
        "projection": projection,
        "stage": stage,
        "year_from": year_from,
        "year_to": year_to,
        "with_authors": with_authors,
    }
    key = (fmt, *sorted(options.items()))
    body, media_type, filename = kg.memo("graph", key, lambda view: render(view, fmt, **options), size=GRAPH_FILES_KEPT)
    return Response(
        content=body,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
