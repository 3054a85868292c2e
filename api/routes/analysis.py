"""GET /analysis/{name} (json, csv, tsv, markdown, latex, svg, png, pdf) and /analysis/{name}.svg:
the field as a whole, over the papers passing the usual filters."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from headkg.api.deps import KG, Filters
from headkg.api.render.http import chosen_format, content_types, format_choices, rendered
from headkg.schema.analysis import ANALYSES, Cooccurrence, Gaps, Growth, Timeline

router = APIRouter(tags=["analysis"])

Name = Annotated[str, Path(description=f"One of: {', '.join(ANALYSES)}.")]
Answer = Timeline | Cooccurrence | Gaps | Growth


# Declared before /analysis/{name}, which would otherwise take "growth.svg" for a name.
@router.get(
    "/analysis/{name}.svg",
    response_class=Response,
    responses={200: {"description": "The analysis drawn as SVG.", "content": {"image/svg+xml": {}}}},
)
def analysis_svg(kg: KG, name: Name, filters: Filters) -> Response:
    """The analysis as a figure (SVG, a paper's column wide, stages in the GEXF export's colours),
    drawn from exactly the answer of `/analysis/{name}`."""
    return rendered(kg.analysis(name, filters), "svg", f"headkg-{name}")


@router.get("/analysis/{name}", response_model=Answer, responses=content_types(Growth))
def analysis(
    request: Request,
    response: Response,
    kg: KG,
    name: Name,
    filters: Filters,
    fmt: Annotated[
        str | None,
        Query(
            alias="format",
            description="json (default), csv, tsv, markdown, latex, svg, png or pdf.",
            json_schema_extra=format_choices(Growth),
        ),
    ] = None,
) -> Answer | Response:
    """timeline: every head type that has a paper, in order of its first report (date, paper, stage);
    cooccurrence: the head type × head type matrix of papers that found both; gaps: head type × model
    family as the survey's taxonomy has it (the survey attaches families to head types, not papers),
    with paper counts; growth: papers per year × stage and per year × head type for the top head types."""
    answer = kg.analysis(name, filters)
    chosen = chosen_format(request, fmt, type(answer))
    response.headers["Vary"] = "Accept"
    return answer if chosen == "json" else rendered(answer, chosen, f"headkg-{name}")
