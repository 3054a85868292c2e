"""/papers: which papers found a head type, filtered, sorted, paged, with facets."""

from __future__ import annotations

from fastapi import APIRouter

from headkg.api.deps import KG, Filters, Paging, Sort
from headkg.schema.views import PaperPage, PaperView

router = APIRouter(tags=["papers"])


@router.get("/papers", response_model=PaperPage)
def list_papers(kg: KG, filters: Filters, page: Paging, sort: Sort = "date") -> PaperPage:
    """Papers passing every filter, one page at a time.

    `total` and `facets` (papers per head type, stage and year) count the whole filtered set, so a
    client can draw filters without fetching every page. An unknown head type, stage, method,
    benchmark or model family is a 404 whose `suggestions` name close ones.
    """
    return kg.papers(filters, sort=sort, limit=page.limit, offset=page.offset, facets=True)


@router.get("/papers/{paper_id}", response_model=PaperView)
def get_paper(kg: KG, paper_id: str) -> PaperView:
    """One paper by id (e.g. `arxiv-2404.15574`), as `headkg papers --json` shows it."""
    return kg.paper(paper_id)
