"""`GET /explore/heads` (every head type) and `GET /explore/heads/{slug}` (one head type: stage,
aliases, model families, features, first report, its papers sortable and by year, the head
types found with it, downloads). Any spelling of a head type redirects to its slug's page."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from headkg.api.pages.catalog import Cat
from headkg.api.pages.templating import Pager, head_url, page
from headkg.db.queries import SortKey
from headkg.schema.views import PaperFilter

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
DEFAULT_SORT: SortKey = "date"  # oldest first: who found it first
HEADS_PAGE_SIZE = 200
FOUND_WITH_SHOWN = 25
Year = Annotated[int | None, Query(ge=0, le=9999)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]
NEVER = dt.date.max  # the first report of a head type no paper reported
HeadSort = Literal["name", "-papers", "first", "stage"]


@router.get("/explore/heads", response_class=HTMLResponse)
def heads(request: Request, cat: Cat, sort: HeadSort = "stage", offset: Offset = 0) -> HTMLResponse:
    first = {e.head.slug: e for e in cat.timeline().entries}
    order = {s.code: i for i, s in enumerate(cat.stages())}
    keys = {
        "name": lambda h: h.name.casefold(),
        "-papers": lambda h: (-h.paper_count, h.name.casefold()),
        "first": lambda h: (first[h.slug].paper.chronology() if h.slug in first else (NEVER, h.slug), h.name),
        "stage": lambda h: (order.get(h.stage, len(order)), h.sub_category or "~", h.name.casefold()),
    }
    everything = sorted(cat.heads(), key=keys[sort])
    return page(
        request,
        "heads.html",
        title="Head types",
        meta=cat.meta,
        heads=everything[offset : offset + HEADS_PAGE_SIZE],
        first=first,
        sort=sort,
        pager=Pager(len(everything), HEADS_PAGE_SIZE, offset),
        stage_names={s.code: s.name for s in cat.stages()},
    )


@router.get("/explore/heads/{slug}", response_class=HTMLResponse)
def head(
    request: Request,
    cat: Cat,
    slug: str,
    sort: SortKey = DEFAULT_SORT,
    year_from: Year = None,
    year_to: Year = None,
    offset: Offset = 0,
    searched: Annotated[str | None, Query(max_length=300)] = None,
) -> Response:
    info = cat.head(slug)
    detail = info.detail
    if detail.slug != slug:  # any spelling has one address, its slug's
        target = head_url(detail.slug) + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(target, status_code=308)
    filters = PaperFilter(head=detail.slug, year_from=year_from, year_to=year_to)
    papers = cat.papers(filters, sort=sort, limit=PAGE_SIZE, offset=offset)
    stages = {s.code: s.name for s in cat.stages()}
    return page(
        request,
        "head.html",
        title=detail.name,
        meta=cat.meta,
        head=detail,
        source_count=info.source_count,
        stage_name=stages.get(detail.stage or "", ""),
        families={m.slug: m.name for m in cat.models()},
        papers=papers,
        pager=Pager(papers.total, PAGE_SIZE, offset),
        sort=sort,
        years=cat.years(),
        year_from=year_from,
        year_to=year_to,
        found_with=cat.found_with(detail.slug)[:FOUND_WITH_SHOWN],
        found_with_total=len(cat.found_with(detail.slug)),
        head_names=cat.head_names(),
        searched=searched,
    )
