"""`GET /explore/field`: the field as a whole — the timeline of first reports, the head type ×
model family matrix as a heatmap, co-occurrence and growth per year and stage. The figures are the
API's (`/analysis/{name}.svg`); the tables beside them carry the same numbers for every reader."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from headkg.api.pages.catalog import Cat
from headkg.api.pages.templating import page

router = APIRouter(include_in_schema=False)

TOP_PAIRS = 25


@router.get("/explore/field", response_class=HTMLResponse)
def field(request: Request, cat: Cat) -> HTMLResponse:
    gaps = cat.gaps()
    cooccurrence = cat.cooccurrence()
    pairs = sorted(cooccurrence.pairs, key=lambda p: (-p.papers, p.a, p.b))[:TOP_PAIRS]
    return page(
        request,
        "field.html",
        title="The field",
        meta=cat.meta,
        timeline=cat.timeline(),
        gaps=gaps,
        gap_rows=[r for r in gaps.rows if r.families or r.paper_count],
        pairs=pairs,
        pair_count=len(cooccurrence.pairs),
        head_names=cat.head_names(),
        growth=cat.growth(),
        stage_names={s.code: s.name for s in cat.stages()},
    )
