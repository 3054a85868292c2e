"""`GET /explore/papers` (papers filtered by head type, stage, method, benchmark, model family,
years and words; sorted; a page at a time) and `GET /explore/papers/{id}` (one paper with every
fact the list states about it, each linked to its line). A former id redirects (308) to the
paper's current address, as on the API."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from headkg.api.deps import KG, Filters
from headkg.api.pages.catalog import Cat, Catalog
from headkg.api.pages.templating import Pager, page, paper_url
from headkg.db.queries import SortKey

router = APIRouter(include_in_schema=False)

PAGE_SIZES = (20, 50, 100, 200)
FILTERS = ("head", "stage", "method", "benchmark", "model", "year_from", "year_to", "q")
CITATIONS = {"bibtex": "BibTeX", "csl-json": "CSL-JSON", "ris": "RIS", "csv": "CSV"}


def _named(items: list[Any], wanted: str | None) -> Any:
    """The method, benchmark, model family or stage a filter value names (slug, code or name)."""
    if not wanted:
        return None
    folded = wanted.strip().casefold()
    keys = ("slug", "code", "name")
    return next((i for i in items if any(str(getattr(i, k, "")).casefold() == folded for k in keys)), None)


def context(cat: Catalog, request: Request) -> dict[str, Any]:
    """What the filters name, to describe above the list."""
    given = request.query_params
    return {
        "method": _named(cat.methods(), given.get("method")),
        "benchmark": _named(cat.benchmarks(), given.get("benchmark")),
        "model": _named(cat.models(), given.get("model")),
        "stage": _named(cat.stages(), given.get("stage")),
        "head": _named(cat.heads(), given.get("head")),
    }


@router.get("/explore/papers", response_class=HTMLResponse)
def papers(
    request: Request,
    cat: Cat,
    filters: Filters,
    sort: SortKey = "-date",
    limit: Annotated[int, Query(ge=1, le=max(PAGE_SIZES))] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> HTMLResponse:
    found = cat.papers(filters, sort=sort, limit=limit, offset=offset)
    given = [(k, v) for k, v in request.query_params.multi_items() if k in (*FILTERS, "id")]
    return page(
        request,
        "papers.html",
        title="Papers",
        meta=cat.meta,
        papers=found,
        pager=Pager(found.total, limit, offset),
        sort=sort,
        limit=limit,
        sizes=PAGE_SIZES,
        given=dict(given),
        filtered=bool(given),
        api_query=urlencode(given),
        citations=CITATIONS,
        named=context(cat, request),
        heads=sorted(cat.heads(), key=lambda h: h.name.casefold()),
        stages=cat.stages(),
        methods=cat.methods(),
        benchmarks=cat.benchmarks(),
        models=cat.models(),
        years=cat.years(),
        head_names=cat.head_names(),
    )


@router.get("/explore/papers/{paper_id}", response_class=HTMLResponse)
def paper(request: Request, kg: KG, cat: Cat, paper_id: str) -> Response:
    facts = kg.paper_facts(paper_id)
    if facts.paper.id != paper_id:  # a former id or another form of it: one address per paper
        target = paper_url(facts.paper.id) + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(target, status_code=308)
    return page(
        request,
        "paper.html",
        title=facts.paper.title,
        meta=cat.meta,
        p=facts.paper,
        facts=facts,
        stages={s.code: s.name for s in cat.stages()},
        methods={m.slug: m for m in cat.methods()},
        benchmarks={b.slug: b for b in cat.benchmarks()},
        cite_query=urlencode({"id": facts.paper.id}),
        citations=CITATIONS,
    )
