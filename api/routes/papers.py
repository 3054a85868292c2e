"""/papers: which papers found a head type, filtered, sorted, paged, with facets."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import RedirectResponse

from headkg.api.deps import KG, Filters, Paging, Sort
from headkg.api.render.http import chosen_format, content_types, format_choices, rendered
from headkg.schema.citation import CITATION_CAP, PaperList
from headkg.schema.views import PaperDetail, PaperPage

router = APIRouter(tags=["papers"])

MOVED: dict[int | str, dict[str, Any]] = {
    308: {
        "description": "`paper_id` is a former id of the paper (or another form of its id): a permanent "
        "redirect to `/papers/{current id}`, query string kept.",
        "headers": {"Location": {"description": "The paper's current URL.", "schema": {"type": "string"}}},
    }
}


@router.get("/papers", response_model=PaperPage, responses=content_types(PaperList))
def list_papers(
    request: Request,
    response: Response,
    kg: KG,
    filters: Filters,
    page: Paging,
    sort: Sort = None,
    fmt: Annotated[
        str | None,
        Query(
            alias="format",
            description="json (default, paged), or every matching paper at once as bibtex, csl-json, ris, csv, "
            f"tsv, markdown or latex (at most {CITATION_CAP:,}: narrow the query over that). The `Accept` header "
            "works too: application/x-bibtex, application/vnd.citationstyles.csl+json, "
            "application/x-research-info-systems, text/csv.",
            json_schema_extra=format_choices(PaperList),
        ),
    ] = None,
) -> PaperPage | Response:
    """Papers passing every filter, one page at a time; or all of them as citations or a spreadsheet.

    A filter repeated keeps the papers matching all its values (`head_mode=any`: any of the heads).
    `q` searches titles, authors, summaries, venues and identifiers (every word must match, the last
    also as a prefix) and ranks by relevance unless `sort` is given. `total` and `facets` (papers per
    head type, stage, year, method, benchmark, model family and topic) count the whole filtered set,
    so a client can draw filters without fetching every page. An unknown head type, stage, method,
    benchmark, model family or paper id is a 404 whose `suggestions` name close ones. Any `format` but json
    answers every matching paper (no paging), e.g. `format=bibtex` keeps the survey's own bib keys.
    """
    chosen = chosen_format(request, fmt, PaperList)
    response.headers["Vary"] = "Accept"  # one URL, several answers: caches must key on Accept
    if chosen != "json":
        return rendered(kg.paper_list(filters, sort=sort, cap=CITATION_CAP), chosen, "headkg-papers")
    return kg.papers(filters, sort=sort, limit=page.limit, offset=page.offset, facets=True)


@router.get("/papers/{paper_id}", response_model=PaperDetail, responses=MOVED)
def get_paper(kg: KG, paper_id: str, request: Request) -> PaperDetail | RedirectResponse:
    """One paper by id (e.g. `arxiv-2404.15574`), as `headkg paper ID --json` shows it: its record
    (`heads` lists the names, as everywhere) and `head_links`, every line of the list that says it
    found a head type (name, slug, file, line, the spelling as written), so a reader can check it.

    Ids are kept: an id this store gave out before (a paper's id changes when its data does, e.g.
    a title-hash id becomes `arxiv-…` once the list links its arXiv id), and the `arxiv-…`,
    `doi-…` or title-hash form of a paper's own data, answer 308 to the current id. Removed
    papers' ids answer 404.
    """
    paper = kg.paper(paper_id)
    if paper.id != paper_id:
        location = request.url_for("get_paper", paper_id=paper.id).replace(query=request.url.query)
        return RedirectResponse(str(location), status_code=308)
    return paper
