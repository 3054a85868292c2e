"""A knowledge graph as table rows. Rows that belong to one paper (its bib keys, authors, head,
method and benchmark links) are grouped by paper and hashed with it, so an incremental build
can tell exactly which papers changed."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from headkg.db import models as m
from headkg.ingest.names import head_key
from headkg.schema.graph import KnowledgeGraph, Paper

Row = dict[str, Any]

# Tables whose rows hang off one paper, in insert order.
PAPER_CHILDREN: tuple[type[m.Base], ...] = (
    m.BibKeyRow,
    m.PaperAuthorRow,
    m.PaperHeadRow,
    m.PaperMethodRow,
    m.PaperBenchmarkRow,
)


@dataclass
class PaperRows:
    paper: Row
    children: dict[type[m.Base], list[Row]] = field(default_factory=dict)


@dataclass
class GraphRows:
    """Every row of a store: shared tables, then one PaperRows per paper."""

    stages: list[Row]
    models: list[Row]
    heads: list[Row]
    head_aliases: list[Row]
    head_models: list[Row]
    methods: list[Row]
    benchmarks: list[Row]
    authors: list[Row]
    findings: list[Row]
    papers: dict[str, PaperRows]

    def parents(self) -> list[tuple[type[m.Base], list[Row]]]:
        """Tables other rows point to, parents first."""
        return [
            (m.StageRow, self.stages),
            (m.ModelRow, self.models),
            (m.HeadRow, self.heads),
            (m.MethodRow, self.methods),
            (m.BenchmarkRow, self.benchmarks),
            (m.AuthorRow, self.authors),
        ]

    def children_of(self, paper_ids: list[str]) -> list[tuple[type[m.Base], list[Row]]]:
        return [(t, [r for pid in paper_ids for r in self.papers[pid].children.get(t, [])]) for t in PAPER_CHILDREN]


def _hash(payload: Any) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()[:32]


def paper_row(paper: Paper) -> Row:
    return {
        "id": paper.id,
        "title": paper.title,
        "search_text": " ".join([paper.title, *paper.authors]).casefold(),
        "authors": paper.authors,
        "year": paper.year,
        "date": paper.date,
        "venue": paper.venue,
        "arxiv_id": paper.arxiv_id,
        "doi": paper.doi,
        "urls": paper.urls,
        "bib_keys": paper.bib_keys,
        "topics": paper.topics,
        "summary": paper.summary,
        "heads": paper.heads,
        "sources": [str(s) for s in paper.sources],
        "bib": paper.bib.model_dump(mode="json") if paper.bib else None,
    }


Anchor = Callable[[str, int], str]


def _plain_anchor(file: str, line: int) -> str:
    return f"{file}:{line}"


def _anchored(row: Row, anchor: Anchor) -> Row:
    """The row with its locations written by `anchor` (for hashing only)."""
    out = dict(row)
    if "file" in out and "line" in out:
        out["location"] = anchor(out.pop("file"), out.pop("line"))
    if "sources" in out:
        out["sources"] = [anchor(*_split(s)) for s in out["sources"]]
    return out


def _split(location: str) -> tuple[str, int]:
    file, _, line = location.rpartition(":")
    return (file, int(line)) if line.isdigit() else (location, 0)


def graph_rows(graph: KnowledgeGraph, anchor: Anchor | None = None) -> GraphRows:
    """All rows of `graph`; each paper row carries the fingerprint of itself and its links.

    `anchor` writes the locations that go into the fingerprint: an incremental build anchors
    README lines to their section, so a paper that only moved down the file keeps its fingerprint.
    """
    anchor = anchor or _plain_anchor
    papers: dict[str, PaperRows] = {p.id: PaperRows(paper_row(p)) for p in graph.papers}

    def child(table: type[m.Base], paper_id: str, row: Row) -> None:
        papers[paper_id].children.setdefault(table, []).append(row)

    bib_seen: set[str] = set()
    for paper in graph.papers:
        for key in paper.bib_keys:
            if key.casefold() not in bib_seen:
                bib_seen.add(key.casefold())
                child(m.BibKeyRow, paper.id, {"key_folded": key.casefold(), "key": key, "paper_id": paper.id})
    for link in graph.paper_authors:
        child(
            m.PaperAuthorRow,
            link.paper_id,
            {
                "paper_id": link.paper_id,
                "author_slug": link.author_slug,
                "position": link.position,
                "file": link.source.file,
                "line": link.source.line,
            },
        )
    for link in graph.paper_heads:
        child(
            m.PaperHeadRow,
            link.paper_id,
            {
                "paper_id": link.paper_id,
                "head_slug": link.head_slug,
                "file": link.source.file,
                "line": link.source.line,
                "as_written": link.as_written,
                "qualifier": link.qualifier,
            },
        )
    for link in graph.paper_methods:
        child(
            m.PaperMethodRow,
            link.paper_id,
            {
                "paper_id": link.paper_id,
                "method_slug": link.method_slug,
                "file": link.source.file,
                "line": link.source.line,
            },
        )
    for link in graph.paper_benchmarks:
        child(
            m.PaperBenchmarkRow,
            link.paper_id,
            {
                "paper_id": link.paper_id,
                "benchmark_slug": link.benchmark_slug,
                "file": link.source.file,
                "line": link.source.line,
            },
        )
    for rows in papers.values():
        children = {t.__tablename__: [_anchored(r, anchor) for r in rows.children.get(t, [])] for t in PAPER_CHILDREN}
        rows.paper["fingerprint"] = _hash([_anchored(rows.paper, anchor), children])

    aliases: dict[str, Row] = {}
    for head in graph.heads:
        for spelling in (head.name, *head.aliases):
            key = head_key(spelling)
            if key and key not in aliases:
                aliases[key] = {"key": key, "head_slug": head.slug, "spelling": spelling}
    return GraphRows(
        stages=[
            {"code": s.code, "name": s.name, "description": s.description, "position": s.order} for s in graph.stages
        ],
        models=[
            {"slug": x.slug, "name": x.name, "description": x.description, "aliases": x.aliases} for x in graph.models
        ],
        heads=[
            {
                "slug": h.slug,
                "name": h.name,
                "stage_code": h.stage,
                "sub_category": h.sub_category,
                "qualifier": h.qualifier,
                "description": h.description,
                "curated": h.curated,
                "aliases": h.aliases,
                "model_families": h.model_families,
                "input_feature": h.features.input_feature if h.features else None,
                "output_feature": h.features.output_feature if h.features else None,
                "layer_distribution": h.features.layer_distribution if h.features else None,
                "features_source": str(h.features.source) if h.features and h.features.source else None,
                "sources": [str(s) for s in h.sources],
            }
            for h in graph.heads
        ],
        head_aliases=list(aliases.values()),
        head_models=[
            {"head_slug": x.head_slug, "model_slug": x.model_slug, "file": x.source.file, "line": x.source.line}
            for x in graph.head_models
        ],
        methods=[
            {
                "slug": x.slug,
                "name": x.name,
                "family": x.family,
                "type": x.type,
                "core_operation": x.core_operation,
                "file": x.source.file,
                "line": x.source.line,
            }
            for x in graph.methods
        ],
        benchmarks=[
            {
                "slug": b.slug,
                "name": b.name,
                "category": b.category,
                "type": b.type,
                "main_task": b.main_task,
                "origin": b.origin,
                "release": b.release,
                "url": b.url,
                "file": b.source.file,
                "line": b.source.line,
            }
            for b in graph.benchmarks
        ],
        authors=[{"slug": a.slug, "name": a.name} for a in graph.authors],
        findings=[
            {
                "severity": f.severity,
                "file": f.file,
                "line": f.line,
                "message": f.message,
                "hint": f.hint,
                "code": f.code,
            }
            for f in graph.findings
        ],
        papers=papers,
    )
