"""`GET /explore/graph`: the interactive graph (vis-network, served from the installed pyvis), fed
by `GET /explore/graph/data.json` and, for a search, `GET /explore/graph/around.json?q=`.

Up to FULL_GRAPH_PAPERS papers the graph is every head type that has a paper plus every paper,
linked where a paper found a head type. Above that (a list of 100,000 papers) it is the heads
projection (head types linked by the papers that found both), and a search adds the neighbourhood
of what it finds: a head type's newest papers, or a paper with its head types. Node ids are the
graph export's (`head:<slug>`, `paper:<id>`), colours its stage colours."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from headkg.api.deps import KG
from headkg.api.export.graph import head_node, paper_node
from headkg.api.pages.catalog import Cat, Catalog
from headkg.api.pages.templating import head_url, hex_color, page, paper_url
from headkg.schema.exceptions import NotFoundError
from headkg.schema.views import PaperView

router = APIRouter(include_in_schema=False)

FULL_GRAPH_PAPERS = 3_000  # above: the heads projection, and neighbourhoods on search
AROUND_PAPERS = 60  # a head type's newest papers that a search adds
PAPER_COLOR = "#8d96a0"


def head_nodes(cat: Catalog) -> list[dict[str, Any]]:
    """Every head type that has a paper, with the year of its first report (for the slider)."""
    first = {e.head.slug: e.paper.year or (e.date.year if e.date else None) for e in cat.timeline().entries}
    return [
        {
            "id": head_node(h.slug),
            "label": h.name,
            "kind": "head",
            "stage": h.stage,
            "color": hex_color(h.stage),
            "year": first.get(h.slug),
            "papers": h.paper_count,
            "url": head_url(h.slug),
        }
        for h in cat.heads()
        if h.paper_count
    ]


def paper_node_data(p: PaperView) -> dict[str, Any]:
    return {
        "id": paper_node(p.id),
        "label": p.title if len(p.title) <= 60 else p.title[:57] + "…",
        "title": f"{p.title} ({p.year or 'undated'})",
        "kind": "paper",
        "color": PAPER_COLOR,
        "year": p.year,
        "url": paper_url(p.id),
    }


def paper_edges(papers: list[PaperView], head_names: dict[str, str]) -> list[dict[str, Any]]:
    return [
        {"from": paper_node(p.id), "to": head_node(head_names[name])}
        for p in papers
        for name in dict.fromkeys(p.heads)
        if name in head_names
    ]


def graph_data(cat: Catalog) -> dict[str, Any]:
    """The whole graph, or at scale the heads projection (computed once per build)."""

    def compute() -> dict[str, Any]:
        heads = head_nodes(cat)
        total = cat.stats().papers
        if total > FULL_GRAPH_PAPERS:
            matrix = cat.cooccurrence()
            edges = [
                {"from": head_node(a.slug), "to": head_node(b.slug), "value": n, "title": f"{n:,} papers found both"}
                for i, (a, row) in enumerate(zip(matrix.heads, matrix.matrix, strict=True))
                for j, (b, n) in enumerate(zip(matrix.heads, row, strict=True))
                if j > i and n
            ]
            return {"mode": "heads", "papers": total, "nodes": heads, "edges": edges}
        papers = cat.kg.papers(limit=None).items
        nodes = heads + [paper_node_data(p) for p in papers]
        return {"mode": "full", "papers": total, "nodes": nodes, "edges": paper_edges(papers, cat.head_names())}

    return cat.build.get("graph-data", compute)  # type: ignore[no-any-return]


@router.get("/explore/graph", response_class=HTMLResponse)
def graph(request: Request, cat: Cat) -> HTMLResponse:
    stats = cat.stats()
    return page(
        request,
        "graph.html",
        title="The graph",
        meta=cat.meta,
        projection=stats.papers > FULL_GRAPH_PAPERS,
        limit=FULL_GRAPH_PAPERS,
        stats=stats,
        years=cat.years(),
        stages=cat.stages(),
    )


@router.get("/explore/graph/data.json")
def data(cat: Cat) -> dict[str, Any]:
    """Nodes and edges for vis-network (`mode` full or heads)."""
    return graph_data(cat)


@router.get("/explore/graph/around.json")
def around(kg: KG, cat: Cat, q: Annotated[str, Query(min_length=1, max_length=300)]) -> dict[str, Any]:
    """What `q` names (a head type, any spelling; else the newest paper its words find) and its
    neighbourhood: `center` is the node to focus."""
    resolution = kg.resolve_head(q)
    names = cat.head_names()
    heads = {n["id"]: n for n in head_nodes(cat)}
    if resolution.head is not None:
        center = head_node(resolution.head.slug)
        papers = kg.papers(head=resolution.head.slug, sort="-date", limit=AROUND_PAPERS).items
    else:
        found = kg.search(q, limit=1).papers.items
        if not found:
            raise NotFoundError(f"nothing in the graph matches '{q}'")
        center, papers = paper_node(found[0].id), found
    linked = {head_node(names[n]) for p in papers for n in p.heads if n in names}
    nodes = [heads[i] for i in sorted(linked | {center}) if i in heads]
    nodes += [paper_node_data(p) for p in papers]
    return {"center": center, "nodes": nodes, "edges": paper_edges(papers, names)}
