"""One cut of the store as the nodes and edges every export format writes, streamed from db/graph_rows.py.

Node ids are prefixed by kind (``paper:<id>``, ``head:<slug>``, ``stage:KR``...) so a head and a
method with the same slug never collide. Attribute rules that keep every writer simple, all in this
module (`NODE_ATTRIBUTES`/`EDGE_ATTRIBUTES` declare them; a test holds every value to them):

- every node has ``kind`` and ``label``; every edge has ``relation`` and ``weight``;
- no attribute is ever named ``type`` (GEXF and sigma.js reserve it: see ../shared/NOTES.md);
- no value is ever ``None``: a value the store does not know is left out, except the two the
  formats' users filter on, ``date`` on papers and ``stage`` on head types, which are ``""``;
- every string has its control characters removed and its whitespace collapsed (XML 1.0 and
  Gephi refuse control characters), and one attribute name always holds one Python type.

The streaming writers (GEXF, GraphML) read `GraphStream.nodes()` then `.edges()` once each, in the
store's order, and never hold the graph; the other formats take `to_networkx`, built from the same
two streams.

>>> with graph_stream(kg, stage="KR", year_from=2023) as stream:  # doctest: +SKIP
...     for node_id, attrs, degree in stream.nodes(): ...
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from itertools import combinations
from typing import Any

import networkx as nx

from headkg.db.graph_rows import GraphCut, GraphRows
from headkg.db.store import HeadKG
from headkg.schema.exceptions import InvalidRequestError
from headkg.schema.provenance import Provenance

PROJECTIONS = ("heads",)
"""Values of `projection` besides None (the full graph)."""

Node = tuple[str, dict[str, Any], int]
"""(node id, attributes, degree in the exported graph)."""
Edge = tuple[str, str, dict[str, Any]]

# C0 controls except tab/newline/return (those are whitespace, collapsed below), DEL and C1
# controls, lone surrogates and the two non-characters XML 1.0 excludes.
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def clean_text(value: str) -> str:
    """`value` fit for any XML or CSV cell: control characters removed, whitespace collapsed.

    >>> clean_text("Heads\\x0b & <tails>\\n  again")
    'Heads & <tails> again'
    """
    if value.isprintable() and "  " not in value and value[:1] != " " and value[-1:] != " ":
        return value  # the common case, at C speed: every unsafe or non-space whitespace character is unprintable
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


def paper_node(paper_id: str) -> str:
    return f"paper:{clean_text(paper_id)}"


def head_node(slug: str) -> str:
    return f"head:{clean_text(slug)}"


def stage_node(code: str) -> str:
    return f"stage:{clean_text(code)}"


# -- the attribute rules -----------------------------------------------------------------------------

NODE_ATTRIBUTES: dict[str, dict[str, type]] = {
    "paper": {
        "kind": str,
        "label": str,
        "year": int,
        "date": str,
        "venue": str,
        "arxiv_id": str,
        "doi": str,
        "url": str,
        "topics": list,
    },
    "head": {
        "kind": str,
        "label": str,
        "stage": str,
        "sub_category": str,
        "qualifier": str,
        "curated": bool,
        "aliases": list,
    },
    "stage": {"kind": str, "label": str, "code": str, "order": int},
    "model": {"kind": str, "label": str, "aliases": list},
    "method": {"kind": str, "label": str, "family": str, "method_type": str, "description": str},
    "benchmark": {
        "kind": str,
        "label": str,
        "category": str,
        "benchmark_type": str,
        "description": str,
        "origin": str,
        "release": str,
        "url": str,
    },
    "author": {"kind": str, "label": str},
}
"""Each kind's attributes and their Python types, in the order writers declare them."""

EDGE_ATTRIBUTES: dict[str, dict[str, type]] = {
    "found": {"relation": str, "weight": int, "qualifiers": list, "sources": list},
    "in_stage": {"relation": str, "weight": int},
    "found_in": {"relation": str, "weight": int, "sources": list},
    "uses_method": {"relation": str, "weight": int, "sources": list},
    "uses_benchmark": {"relation": str, "weight": int, "sources": list},
    "written_by": {"relation": str, "weight": int},
    "co_found": {"relation": str, "weight": int, "papers": list},
}
"""Each relation's attributes and their Python types."""


def _paper_attrs(row: Any) -> dict[str, Any]:
    return _attrs(
        kind="paper",
        label=row.title,
        year=row.year,
        date=row.date.isoformat() if row.date else "",
        venue=row.venue,
        arxiv_id=row.arxiv_id,
        doi=row.doi,
        url=row.urls[0] if row.urls else None,
        topics=row.topics,
    )


def _head_attrs(row: Any) -> dict[str, Any]:
    return _attrs(
        kind="head",
        label=row.name,
        stage=row.stage or "",
        sub_category=row.sub_category,
        qualifier=row.qualifier,
        curated=row.curated,
        aliases=row.aliases,
    )


# Which column of a model family, method or benchmark becomes which node attribute (never `type`,
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


def _catalog_attrs(kind: str, row: Any) -> dict[str, Any]:
    fields = _CATALOG_ATTRS[kind].items()
    return _attrs(kind=kind, **{attr: getattr(row, name) or None for name, attr in fields})


def _link_edge(relation: str, file: str, line: int) -> dict[str, Any]:
    return _attrs(relation=relation, weight=1, sources=[Provenance.text(file, line)])


# -- the stream ----------------------------------------------------------------------------------------


class GraphStream:
    """One cut of the store as nodes and edges, each streamed once in the store's order.

    `attrs` are the graph's own (name, projection and the cut); `timeline_end()` is the last date of
    the kept papers, where every paper's spell ends; `node_count()`/`edge_count()` count without
    reading the rows.
    """

    def __init__(self, rows: GraphRows, projection: str | None, attrs: dict[str, Any]) -> None:
        self.rows = rows
        self.projection = projection
        self.attrs = attrs
        self._co_found: dict[tuple[str, str], list[str]] | None = None

    @property
    def kinds(self) -> list[str]:
        """The node kinds this export can hold, in the order its nodes come."""
        if self.projection == "heads":
            return ["head"]
        return ["paper", "head", "stage", "model", "method", "benchmark"] + (
            ["author"] if self.rows.with_authors else []
        )

    @property
    def relations(self) -> list[str]:
        if self.projection == "heads":
            return ["co_found"]
        found = ["found", "in_stage", "found_in", "uses_method", "uses_benchmark"]
        return found + (["written_by"] if self.rows.with_authors else [])

    def node_attributes(self) -> dict[str, type]:
        """Every node attribute this export can write and its type (a name of two types is a str)."""
        return _merged(NODE_ATTRIBUTES[kind] for kind in self.kinds)

    def edge_attributes(self) -> dict[str, type]:
        return _merged(EDGE_ATTRIBUTES[relation] for relation in self.relations)

    def timeline_end(self) -> str | None:
        """The last date of the kept papers (a paper without one: its year's first day); None without papers."""
        if self.projection == "heads":
            return None
        last_date, last_undated_year = self.rows.latest()
        ends = [spell_start(last_date, None), spell_start(None, last_undated_year)]
        return max((end for end in ends if end), default=None)

    def to_networkx(self) -> nx.Graph:
        """The whole stream in memory, as an undirected networkx graph: nodes in the stream's order."""
        g = nx.Graph(**self.attrs)
        g.add_nodes_from((node, attrs) for node, attrs, _ in self.nodes())
        g.add_edges_from(self.edges())
        return g

    # -- nodes -------------------------------------------------------------------------------------

    def node_count(self) -> int:
        r = self.rows
        if self.projection == "heads":
            return r.count(r.heads(projection=True))
        statements = [r.papers(), r.heads(), r.stages(), r.models(), r.methods(), r.benchmarks()]
        return sum(r.count(stmt) for stmt in statements + ([r.authors()] if r.with_authors else []))

    def nodes(self) -> Iterator[Node]:
        """(id, attributes, degree) of every node: papers, head types, stages, model families,
        methods, benchmarks, then authors."""
        r = self.rows
        if self.projection == "heads":
            degrees: dict[str, int] = defaultdict(int)
            for a, b in self._pairs():
                degrees[a] += 1
                degrees[b] += 1
            for row in r.rows(r.heads(projection=True)):
                yield head_node(row.slug), _head_attrs(row), degrees[row.slug]
            return
        for row in r.rows(r.papers()):
            yield paper_node(row.id), _paper_attrs(row), row.degree
        for row in r.rows(r.heads()):
            yield head_node(row.slug), _head_attrs(row), row.degree
        for row in r.rows(r.stages()):
            yield stage_node(row.code), _attrs(kind="stage", label=row.name, code=row.code, order=row.order), row.degree
        for kind, stmt in (("model", r.models()), ("method", r.methods()), ("benchmark", r.benchmarks())):
            for row in r.rows(stmt):
                yield f"{kind}:{row.slug}", _catalog_attrs(kind, row), row.degree
        if r.with_authors:
            for row in r.rows(r.authors()):
                yield f"author:{row.slug}", _attrs(kind="author", label=row.name), row.degree

    # -- edges -------------------------------------------------------------------------------------

    def edge_count(self) -> int:
        r = self.rows
        if self.projection == "heads":
            return len(self._pairs())
        statements = [r.found_pairs(), r.in_stage(), r.head_models(), r.paper_methods(), r.paper_benchmarks()]
        return sum(r.count(stmt) for stmt in statements + ([r.paper_authors()] if r.with_authors else []))

    def edges(self) -> Iterator[Edge]:
        """(source, target, attributes) of every edge: paper–head, head–stage, head–model,
        paper–method, paper–benchmark, then paper–author."""
        r = self.rows
        if self.projection == "heads":
            for (a, b), paper_ids in sorted(self._pairs().items()):
                papers = [paper_node(p) for p in paper_ids]
                yield head_node(a), head_node(b), _attrs(relation="co_found", weight=len(paper_ids), papers=papers)
            return
        yield from _found_edges(r.rows(r.found()))
        for row in r.rows(r.in_stage()):
            yield head_node(row.slug), stage_node(row.stage_code), _attrs(relation="in_stage", weight=1)
        for row in r.rows(r.head_models()):
            yield head_node(row.head_slug), f"model:{row.model_slug}", _link_edge("found_in", row.file, row.line)
        for row in r.rows(r.paper_methods()):
            yield paper_node(row.paper_id), f"method:{row.method_slug}", _link_edge("uses_method", row.file, row.line)
        for row in r.rows(r.paper_benchmarks()):
            u, v = paper_node(row.paper_id), f"benchmark:{row.benchmark_slug}"
            yield u, v, _link_edge("uses_benchmark", row.file, row.line)
        if r.with_authors:
            for row in r.rows(r.paper_authors()):
                yield paper_node(row.paper_id), f"author:{row.author_slug}", _attrs(relation="written_by", weight=1)

    def _pairs(self) -> dict[tuple[str, str], list[str]]:
        """Heads projection: (head slug, head slug) -> the ids of the papers that found both (a few
        hundred pairs at most: kept in memory once)."""
        if self._co_found is None:
            shared: dict[tuple[str, str], list[str]] = defaultdict(list)
            for paper_id, group in itertools.groupby(self.rows.rows(self.rows.found_pairs()), key=lambda x: x[0]):
                for a, b in combinations(sorted(row.head_slug for row in group), 2):
                    shared[(a, b)].append(paper_id)
            self._co_found = {pair: sorted(ids) for pair, ids in shared.items()}
        return self._co_found


def _found_edges(sightings: Iterable[Any]) -> Iterator[Edge]:
    """Paper–head edges from the sightings ordered by (paper, head): one paper may list a head twice
    (README and figure, or two qualifiers), one edge with every qualifier and source."""
    for (paper_id, head_slug), group in itertools.groupby(sightings, key=lambda x: (x[0], x[1])):
        rows = list(group)
        qualifiers = sorted({row.qualifier for row in rows if row.qualifier})
        sources = sorted({Provenance.text(row.file, row.line) for row in rows})
        attrs = _attrs(relation="found", weight=1, qualifiers=qualifiers, sources=sources)
        yield paper_node(paper_id), head_node(head_slug), attrs


def _merged(declarations: Iterable[dict[str, type]]) -> dict[str, type]:
    out: dict[str, type] = {}
    for declared in declarations:
        for name, tp in declared.items():
            if out.setdefault(name, tp) is not tp:
                out[name] = str
    return out


def spell_start(date: dt.date | str | None, year: int | None) -> str | None:
    """When a paper enters the timeline: its date, else the first day of its year."""
    if date:
        return date if isinstance(date, str) else date.isoformat()
    return f"{year:04d}-01-01" if isinstance(year, int) else None


@contextmanager
def graph_stream(
    kg: HeadKG,
    *,
    projection: str | None = None,
    stage: str | None = None,
    year_from: int | None = None,
    year_to: int | None = None,
    with_authors: bool = False,
) -> Iterator[GraphStream]:
    """The knowledge graph (or its head type–head type projection) as a stream, read in one session.

    `stage` keeps that stage, its head types and the papers that found them (with their methods,
    benchmarks, authors, and the heads' model families). `year_from`/`year_to` drop the papers
    outside the years, inclusive, and with them their edges and the authors left without a paper;
    a paper of unknown year goes as soon as either bound is set; a reversed range keeps no paper, as
    /papers answers an empty page. Raises NotFoundError for an unknown stage and InvalidRequestError
    for an unknown projection. The heads projection links two head types when a paper found both:
    weight = how many papers, `papers` = which.
    """
    if projection not in (None, "", *PROJECTIONS):
        raise InvalidRequestError(f"unknown projection {projection!r}; expected one of: {', '.join(PROJECTIONS)}")
    cut = GraphCut(stage=stage, year_from=year_from, year_to=year_to, with_authors=with_authors)
    with kg.graph_rows(cut) as rows:
        attrs = _attrs(
            name="headkg", projection=projection or "full", stage=rows.stage, year_from=year_from, year_to=year_to
        )
        yield GraphStream(rows, projection or None, attrs)


def to_networkx(kg: HeadKG, **options: Any) -> nx.Graph:
    """`graph_stream(kg, **options)` as an undirected networkx graph (for GML, JSON, CSV)."""
    with graph_stream(kg, **options) as stream:
        return stream.to_networkx()
