"""GET /heads/{slug}/comparison: the papers that found one head type, side by side."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from headkg.api.deps import KG, Filters
from headkg.api.render.http import chosen_format, content_types, format_choices, rendered
from headkg.schema.analysis import Comparison

router = APIRouter(tags=["heads"])


@router.get("/heads/{slug}/comparison", response_model=Comparison, responses=content_types(Comparison))
def head_comparison(
    request: Request,
    response: Response,
    kg: KG,
    slug: str,
    filters: Filters,
    fmt: Annotated[
        str | None,
        Query(
            alias="format",
            description="json (default), csv, tsv, markdown or latex (booktabs).",
            json_schema_extra=format_choices(Comparison),
        ),
    ] = None,
) -> Comparison | Response:
    """One row per paper that found the head type (by slug or any spelling): date, title, venue, link, the
    methods and benchmarks linked to the paper and the other head types it reports. `model_families` are the
    survey's for the head type as a whole: it attaches families to head types, not to papers. The filters
    narrow the papers compared."""
    comparison = kg.comparison(slug, filters)
    chosen = chosen_format(request, fmt, Comparison)
    response.headers["Vary"] = "Accept"
    return comparison if chosen == "json" else rendered(comparison, chosen, f"headkg-{comparison.head.slug}")
