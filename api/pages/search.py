"""`GET /explore/search?q=`: one search box for everything. Words that name a head type (any
spelling: aliases, plurals, small typos) go straight to its page; other words list the names
that resemble them and the papers that match, a page at a time. Searching goes through one
library call, `HeadKG.search`."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from headkg.api.deps import KG
from headkg.api.pages.catalog import Cat
from headkg.api.pages.templating import Pager, head_url, page

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 20
HIT_KINDS = {
    "head": "head type",
    "method": "method",
    "benchmark": "benchmark",
    "model": "model family",
    "stage": "stage",
    "author": "author",
}


@router.get("/explore/search", response_class=HTMLResponse)
def search(
    request: Request,
    kg: KG,
    cat: Cat,
    q: Annotated[str, Query(max_length=300)] = "",
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    jump: Annotated[bool, Query(description="Go straight to the head type the words name.")] = True,
) -> Response:
    words = " ".join(q.split())
    if words and jump and offset == 0:
        resolution = kg.resolve_head(words)
        if resolution.head is not None:
            target = head_url(resolution.head.slug) + "?" + urlencode({"searched": words})
            return RedirectResponse(target, status_code=303)
    found = cat.search(words, limit=PAGE_SIZE, offset=offset) if words else None
    return page(
        request,
        "search.html",
        title=f"Search: {words}" if words else "Search",
        meta=cat.meta,
        query=words,
        found=found,
        kinds=HIT_KINDS,
        pager=Pager(found.papers.total, PAGE_SIZE, offset) if found else None,
        head_names=cat.head_names(),
    )
