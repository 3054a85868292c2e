"""`GET /`: the home page (search, the field in numbers, growth, the stages and their head types),
and `GET /explore/suggest`, the suggestions the search boxes show as you type."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from headkg.api.pages.catalog import Cat
from headkg.api.pages.templating import head_url, hit_url, page, paper_url
from headkg.schema.views import HeadSummary, StageSummary

router = APIRouter(include_in_schema=False)

SUGGESTED_PAPERS = 5
SUGGESTED_NAMES = 7


def _item(kind: str, label: str, detail: str, url: str) -> dict[str, str]:
    return {"kind": kind, "label": label, "detail": detail, "url": url}


def stages_with_heads(
    stages: list[StageSummary], heads: list[HeadSummary]
) -> list[tuple[StageSummary | None, list[HeadSummary]]]:
    """Each stage with its head types, most reported first; head types of no stage last."""
    by_code: dict[str | None, list[HeadSummary]] = {}
    for h in sorted(heads, key=lambda h: (-h.paper_count, h.name)):
        by_code.setdefault(h.stage, []).append(h)
    known = {s.code for s in stages}
    rest = [h for code, hs in by_code.items() if code not in known for h in hs]
    grouped: list[tuple[StageSummary | None, list[HeadSummary]]] = [(s, by_code.get(s.code, [])) for s in stages]
    return grouped + ([(None, rest)] if rest else [])


@router.get("/", response_class=HTMLResponse)
def home(request: Request, cat: Cat) -> HTMLResponse:
    heads = cat.heads()
    return page(
        request,
        "home.html",
        title="Attention heads, as the research found them",
        meta=cat.meta,
        stats=cat.stats(),
        reported=sum(1 for h in heads if h.paper_count),
        methods=len(cat.methods()),
        benchmarks=len(cat.benchmarks()),
        models=len(cat.models()),
        years=cat.years(),
        by_stage=stages_with_heads(cat.stages(), heads),
    )


@router.get("/explore")
def explore() -> RedirectResponse:
    return RedirectResponse("/", status_code=308)


@router.get("/explore/suggest")
def suggest(
    cat: Cat, q: Annotated[str, Query(max_length=200, description="What has been typed so far.")] = ""
) -> dict[str, object]:
    """Up to a dozen things `q` may mean, each with the page it leads to (JSON for the search boxes)."""
    if len(q.strip()) < 2:
        return {"query": q, "items": []}
    found = cat.search(" ".join(q.split()), limit=SUGGESTED_PAPERS)
    items = []
    if found.head is not None:
        items.append(_item("head", found.head.name, found.head.stage or "", head_url(found.head.slug)))
    items += [_item(h.kind, h.label, h.detail, hit_url(h.kind, h.key)) for h in found.hits[:SUGGESTED_NAMES]]
    items += [_item("paper", p.title, str(p.year or ""), paper_url(p.id)) for p in found.papers.items]
    return {"query": q, "items": items}
