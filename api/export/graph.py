"""The store's KnowledgeGraph as one networkx graph, the common input of every export format.

Node ids are prefixed by kind (``paper:<id>``, ``head:<slug>``, ``stage:KR``...) so a head and a
method with the same slug never collide. Attribute rules that keep every writer simple:

- every node has ``kind`` and ``label``; every edge has ``relation`` and ``weight``;
- no attribute is ever named ``type`` (GEXF and sigma.js reserve it: see ../shared/NOTES.md);
- no value is ever ``None``: a value the store does not know is left out, except the two the
  formats' users filter on, ``date`` on papers and ``stage`` on head types, which are ``""``;
- every string has its control characters removed and its whitespace collapsed (XML 1.0 and
  Gephi refuse control characters), and one attribute name always holds one Python type.

>>> g = to_networkx(kg.graph(), stage="KR", year_from=2023)  # doctest: +SKIP
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import networkx as nx

from headkg.schema.exceptions import InvalidRequestError, NotFoundError
from headkg.schema.graph import (
    Benchmark,
    HeadModelLink,
    HeadType,
    KnowledgeGraph,
    Method,
    ModelFamily,
    Paper,
    PaperBenchmarkLink,
    PaperHeadLink,
    PaperMethodLink,
    Stage,
)
from headkg.schema.provenance import Provenance

PROJECTIONS = ("heads",)
"""Values of `projection` besides None (the full graph)."""

# C0 controls except tab/newline/return (those are whitespace, collapsed below), DEL and C1
# controls, lone surrogates and the two non-characters XML 1.0 excludes.
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def clean_text(value: str) -> str:
    """`value` fit for any XML or CSV cell: control characters removed, whitespace collapsed.

    >>> clean_text("Heads\\x0b & <tails>\\n  again")
    'Heads & <tails> again'
    """
    return " ".join(_UNSAFE.sub("", value).split())


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


LIST_SEPARATOR = "|"
"""Joins list values in the formats without lists (GEXF data, GraphML, GML, CSV); ids never contain it."""


def flat(value: Any) -> Any:
    """A list as one string ("a|b"), anything else unchanged: for the formats that have no lists."""
    if isinstance(value, list | tuple):
        return LIST_SEPARATOR.join(str(v) for v in value)
    return value


def _attrs(**values: Any) -> dict[str, Any]:
    """Cleaned attributes without the unknown ones (None, empty lists): writers never see None."""
    return {k: _clean(v) for k, v in values.items() if v is not None and v != []}


def _sources(provenances: Iterable[Provenance]) -> list[str]:
    return sorted({str(p) for p in provenances})


def paper_node(paper_id: str) -> str:
    return f"paper:{clean_text(paper_id)}"


def head_node(slug: str) -> str:
    return f"head:{clean_text(slug)}"


def stage_node(code: str) -> str:
    return f"stage:{clean_text(code)}"


def to_networkx(
    kg_graph: KnowledgeGraph,
    *,
    projection: str | None = None,
    stage: str | None = None,
    year_from: int | None = None,
    year_to: int | None = None,
    with_authors: bool = False,
) -> nx.Graph:
    """The knowledge graph (or its head type–head type projection) as an undirected networkx graph.

    `stage` keeps that stage, its head types and the papers that found them (with their methods,
    benchmarks, authors, and the heads' model families). `year_from`/`year_to` drop the papers
    outside the years, inclusive, and with them their edges and the authors left without a paper;
    a paper of unknown year goes as soon as either bound is set. Raises NotFoundError for an
    unknown stage and InvalidRequestError for an unknown projection or an empty year range.
    """
    if projection not in (None, "", *PROJECTIONS):
        raise InvalidRequestError(f"unknown projection {projection!r}; expected one of: {', '.join(PROJECTIONS)}")
    if year_from is not None and year_to is not None and year_from > year_to:
        raise InvalidRequestError(f"year_from ({year_from}) is after year_to ({year_to})")
    stage_code = _stage_code(kg_graph, stage) if stage else None
    part = _Selection.of(kg_graph, stage_code, year_from, year_to)
    graph_attrs = _attrs(
        name="headkg", projection=projection or "full", stage=stage_code, year_from=year_from, year_to=year_to
    )
    if projection == "heads":
        return _heads_projection(part.heads, part.found, graph_attrs)
    g = nx.Graph(**graph_attrs)
    # Insertion order papers, heads, stages, models, methods, benchmarks, authors: networkx then
    # yields every edge as (paper, head), (head, stage)... which the writers keep as source/target.
    _add_record_nodes(g, part)
    if with_authors:
        _add_authors(g, kg_graph, {p.id for p in part.papers})
    _add_found_edges(g, part.found)
    for head in part.heads:
        if head.stage and g.has_node(stage_node(head.stage)):
            g.add_edge(head_node(head.slug), stage_node(head.stage), relation="in_stage", weight=1)
    _add_link_edges(
        g, "found_in", ((head_node(x.head_slug), f"model:{x.model_slug}", x.source) for x in part.head_models)
    )
    _add_link_edges(
        g, "uses_method", ((paper_node(x.paper_id), f"method:{x.method_slug}", x.source) for x in part.paper_methods)
    )
    _add_link_edges(
        g,
        "uses_benchmark",
        ((paper_node(x.paper_id), f"benchmark:{x.benchmark_slug}", x.source) for x in part.paper_benchmarks),
    )
    return g


@dataclass
class _Selection:
    """What a stage and a year range keep of the knowledge graph."""

    papers: list[Paper]
    heads: list[HeadType]
    stages: list[Stage]
    found: list[PaperHeadLink]
    head_models: list[HeadModelLink]
    paper_methods: list[PaperMethodLink]
    paper_benchmarks: list[PaperBenchmarkLink]
    models: list[ModelFamily]
    methods: list[Method]
    benchmarks: list[Benchmark]

    @classmethod
    def of(cls, kg: KnowledgeGraph, stage_code: str | None, year_from: int | None, year_to: int | None) -> _Selection:
        papers = [p for p in kg.papers if _in_years(p, year_from, year_to)]
        heads = [h for h in kg.heads if stage_code is None or h.stage == stage_code]
        head_slugs, paper_ids = {h.slug for h in heads}, {p.id for p in papers}
        found = [ph for ph in kg.paper_heads if ph.paper_id in paper_ids and ph.head_slug in head_slugs]
        if stage_code is not None:
            paper_ids = {ph.paper_id for ph in found}
            papers = [p for p in papers if p.id in paper_ids]
        head_models = [hm for hm in kg.head_models if hm.head_slug in head_slugs]
        paper_methods = [pm for pm in kg.paper_methods if pm.paper_id in paper_ids]
        paper_benchmarks = [pb for pb in kg.paper_benchmarks if pb.paper_id in paper_ids]
        # Under a stage only what hangs off its heads and papers stays; otherwise every record does.
        models, methods, benchmarks = kg.models, kg.methods, kg.benchmarks
        if stage_code is not None:
            model_slugs = {hm.model_slug for hm in head_models}
            method_slugs = {pm.method_slug for pm in paper_methods}
            bench_slugs = {pb.benchmark_slug for pb in paper_benchmarks}
            models = [x for x in models if x.slug in model_slugs]
            methods = [x for x in methods if x.slug in method_slugs]
            benchmarks = [x for x in benchmarks if x.slug in bench_slugs]
        stages = [s for s in kg.stages if stage_code is None or s.code == stage_code]
        return cls(
            papers, heads, stages, found, head_models, paper_methods, paper_benchmarks, models, methods, benchmarks
        )


def _add_record_nodes(g: nx.Graph, part: _Selection) -> None:
    """One node per kept paper, head type, stage, model family, method and benchmark, in that order."""
    for paper in sorted(part.papers, key=lambda p: p.id):
        g.add_node(paper_node(paper.id), **_paper_attrs(paper))
    for head in sorted(part.heads, key=lambda h: h.slug):
        g.add_node(head_node(head.slug), **_head_attrs(head))
    for st in sorted(part.stages, key=lambda s: (s.order, s.code)):
        g.add_node(stage_node(st.code), **_attrs(kind="stage", label=st.name, code=st.code, order=st.order))
    for kind, records in (("model", part.models), ("method", part.methods), ("benchmark", part.benchmarks)):
        for record in sorted(records, key=lambda r: r.slug):
            g.add_node(f"{kind}:{record.slug}", **_catalog_attrs(kind, record))


def _stage_code(kg_graph: KnowledgeGraph, stage: str) -> str:
    """The stage's code from its code or name, case-insensitive ("kr", "Knowledge Recalling")."""
    wanted = stage.strip().casefold()
    for st in kg_graph.stages:
        if wanted in (st.code.casefold(), st.name.casefold()):
            return st.code
    codes = [st.code for st in sorted(kg_graph.stages, key=lambda s: s.order)]
    raise NotFoundError(f"no stage {stage!r}; the stages are {', '.join(codes)}", suggestions=codes)


def _in_years(paper: Paper, year_from: int | None, year_to: int | None) -> bool:
    if year_from is None and year_to is None:
        return True
    if paper.year is None:
        return False
    return (year_from is None or paper.year >= year_from) and (year_to is None or paper.year <= year_to)


def _paper_attrs(paper: Paper) -> dict[str, Any]:
    return _attrs(
        kind="paper",
        label=paper.title,
        year=paper.year,
        date=paper.date.isoformat() if paper.date else "",
        venue=paper.venue,
        arxiv_id=paper.arxiv_id,
        doi=paper.doi,
        url=paper.urls[0] if paper.urls else None,
        topics=paper.topics,
    )


def _head_attrs(head: HeadType) -> dict[str, Any]:
    return _attrs(
        kind="head",
        label=head.name,
        stage=head.stage or "",
        sub_category=head.sub_category,
        qualifier=head.qualifier,
        curated=head.curated,
        aliases=head.aliases,
    )


# Which field of a model family, method or benchmark becomes which node attribute (never `type`,
# which GEXF and sigma.js reserve); an empty text is left out, like an unknown value.
_CATALOG_ATTRS: dict[str, dict[str, str]] = {
    "model": {"name": "label", "aliases": "aliases"},
    "method": {"name": "label", "family": "family", "type": "method_type", "core_operation": "description"},
    "benchmark": {
        "name": "label",
        "category": "category",
        "type": "benchmark_type",
        "main_task": "description",
        "origin": "origin",
        "release": "release",
        "url": "url",
    },
}


def _catalog_attrs(kind: str, record: ModelFamily | Method | Benchmark) -> dict[str, Any]:
    fields = _CATALOG_ATTRS[kind].items()
    return _attrs(kind=kind, **{attr: getattr(record, name) or None for name, attr in fields})


def _add_authors(g: nx.Graph, kg_graph: KnowledgeGraph, paper_ids: set[str]) -> None:
    """One node per author of the kept papers, linked to their papers (the store's author records)."""
    names = {a.slug: a.name for a in kg_graph.authors}
    for link in sorted(kg_graph.paper_authors, key=lambda link: (link.paper_id, link.position)):
        if link.paper_id not in paper_ids:
            continue
        node = f"author:{link.author_slug}"
        if not g.has_node(node):
            g.add_node(node, **_attrs(kind="author", label=names.get(link.author_slug, link.author_slug)))
        g.add_edge(paper_node(link.paper_id), node, relation="written_by", weight=1)


def _add_found_edges(g: nx.Graph, found: list[PaperHeadLink]) -> None:
    """Paper–head edges; one paper may list a head twice (README and figure, or two qualifiers)."""
    qualifiers: dict[tuple[str, str], set[str]] = defaultdict(set)
    sources: dict[tuple[str, str], list[Provenance]] = defaultdict(list)
    for link in found:
        key = (paper_node(link.paper_id), head_node(link.head_slug))
        sources[key].append(link.source)
        if link.qualifier:
            qualifiers[key].add(link.qualifier)
    for (paper, head), provenances in sorted(sources.items()):
        g.add_edge(
            paper,
            head,
            **_attrs(
                relation="found",
                weight=1,
                qualifiers=sorted(qualifiers[(paper, head)]),
                sources=_sources(provenances),
            ),
        )


def _add_link_edges(g: nx.Graph, relation: str, links: Iterable[tuple[str, str, Provenance]]) -> None:
    sources: dict[tuple[str, str], list[Provenance]] = defaultdict(list)
    for u, v, source in links:
        if g.has_node(u) and g.has_node(v):
            sources[(u, v)].append(source)
    for (u, v), provenances in sorted(sources.items()):
        g.add_edge(u, v, **_attrs(relation=relation, weight=1, sources=_sources(provenances)))


def _heads_projection(heads: list[HeadType], found: list[PaperHeadLink], graph_attrs: dict[str, Any]) -> nx.Graph:
    """Head types linked when a paper found both; weight = how many papers, `papers` = which."""
    g = nx.Graph(**graph_attrs)
    for head in sorted(heads, key=lambda h: h.slug):
        g.add_node(head_node(head.slug), **_head_attrs(head))
    by_paper: dict[str, set[str]] = defaultdict(set)
    for link in found:
        by_paper[link.paper_id].add(link.head_slug)
    shared: dict[tuple[str, str], list[str]] = defaultdict(list)
    for paper_id, slugs in sorted(by_paper.items()):
        for a, b in combinations(sorted(slugs), 2):
            shared[(a, b)].append(paper_id)
    for (a, b), paper_ids in sorted(shared.items()):
        g.add_edge(
            head_node(a),
            head_node(b),
            relation="co_found",
            weight=len(paper_ids),
            papers=[paper_node(p) for p in paper_ids],
        )
    return g
