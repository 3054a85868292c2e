"""/papers: which papers found a head type, filtered, sorted, paged, with facets."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from headkg.api.deps import KG, Filters, Paging, Sort
from headkg.api.render.http import chosen_format, content_types, rendered
from headkg.schema.citation import CITATION_CAP, PaperList
from headkg.schema.views import PaperPage, PaperView

router = APIRouter(tags=["papers"])


@router.get("/papers", response_model=PaperPage, responses=content_types(PaperList))
def list_papers(
    request: Request,
    response: Response,
    kg: KG,
    filters: Filters,
    page: Paging,
    sort: Sort = "date",
    fmt: Annotated[
        str | None,
        Query(
            alias="format",
            description="json (default, paged), or every matching paper at once as bibtex, csl-json, ris, csv, "
            f"tsv, markdown or latex (at most {CITATION_CAP:,}: narrow the query over that). The `Accept` header "
            "works too: application/x-bibtex, application/vnd.citationstyles.csl+json, "
            "application/x-research-info-systems, text/csv.",
        ),
    ] = None,
) -> PaperPage | Response:
    """Papers passing every filter, one page at a time; or all of them as citations or a spreadsheet.

    `total` and `facets` (papers per head type, stage and year) count the whole filtered set, so a
    client can draw filters without fetching every page. An unknown head type, stage, method,
    benchmark or model family is a 404 whose `suggestions` name close ones. Any `format` but json
    answers every matching paper (no paging), e.g. `format=bibtex` keeps the survey's own bib keys.
    """
    chosen = chosen_format(request, fmt, PaperList)
    response.headers["Vary"] = "Accept"  # one URL, several answers: caches must key on Accept
    if chosen != "json":
        return rendered(kg.paper_list(filters, sort=sort, cap=CITATION_CAP), chosen, "headkg-papers")
    return kg.papers(filters, sort=sort, limit=page.limit, offset=page.offset, facets=True)


@router.get("/papers/{paper_id}", response_model=PaperView)
def get_paper(kg: KG, paper_id: str) -> PaperView:
    """One paper by id (e.g. `arxiv-2404.15574`), as `headkg papers --json` shows it."""
    return kg.paper(paper_id)
