"""A knowledge graph as table rows. Rows that belong to one paper (its bib keys, authors, head,
method and benchmark links) are grouped by paper and hashed with it, so an incremental build
can tell exactly which papers changed."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from headkg.db import fulltext, mapping
from headkg.db import models as m
from headkg.db.mapping import Row
from headkg.schema.graph import HeadType, KnowledgeGraph, Paper
from headkg.schema.names import head_key
from headkg.schema.provenance import Provenance

# Tables whose rows hang off one paper, in insert order.
PAPER_CHILDREN: tuple[type[m.Base], ...] = (
    m.BibKeyRow,
    m.PaperAuthorRow,
    m.PaperHeadRow,
    m.PaperMethodRow,
    m.PaperBenchmarkRow,
    m.PaperTopicRow,
)


@dataclass
class PaperRowGroup:
    """A paper's row and, by table, the rows that hang off it (bib keys, authors, links)."""

    paper: Row
    children: dict[type[m.Base], list[Row]] = field(default_factory=dict)


@dataclass
class GraphRows:
    """Every row of a store: shared tables, then one PaperRowGroup per paper."""

    stages: list[Row]
    models: list[Row]
    heads: list[Row]
    head_aliases: list[Row]
    head_models: list[Row]
    methods: list[Row]
    benchmarks: list[Row]
    authors: list[Row]
    findings: list[Row]
    papers: dict[str, PaperRowGroup]
    topics: list[Row] = field(default_factory=list)

    def parents(self) -> list[tuple[type[m.Base], list[Row]]]:
        """Tables other rows point to, parents first."""
        return [
            (m.StageRow, self.stages),
            (m.ModelRow, self.models),
            (m.HeadRow, self.heads),
            (m.MethodRow, self.methods),
            (m.BenchmarkRow, self.benchmarks),
            (m.AuthorRow, self.authors),
            (m.TopicRow, self.topics),
        ]

    def children_of(self, paper_ids: list[str]) -> list[tuple[type[m.Base], list[Row]]]:
        return [(t, [r for pid in paper_ids for r in self.papers[pid].children.get(t, [])]) for t in PAPER_CHILDREN]


def _hash(payload: Any) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()[:32]


def paper_row(paper: Paper) -> Row:
    """A paper's row: its record's columns and the words `q` searches (db/fulltext.py)."""
    row = mapping.PAPERS.row(paper)
    row["search_text"] = fulltext.search_text(
        paper.title, paper.authors, paper.summary, paper.venue, paper.arxiv_id, paper.doi
    )
    row["search_key"] = fulltext.search_key(paper.id)
    return row


Anchor = Callable[[str, int], str]


def _plain_anchor(file: str, line: int) -> str:
    return f"{file}:{line}"


def _anchored(row: Row, anchor: Anchor) -> Row:
    """The row with its locations written by `anchor` (for hashing only)."""
    out = dict(row)
    if "file" in out and "line" in out:
        out["location"] = anchor(out.pop("file"), out.pop("line"))
    if "sources" in out:
        out["sources"] = [anchor(p.file, p.line) for p in map(Provenance.parse, out["sources"])]
    return out


def graph_rows(graph: KnowledgeGraph, anchor: Anchor | None = None) -> GraphRows:
    """All rows of `graph`; each paper row carries the fingerprint of itself and its links.

    `anchor` writes the locations that go into the fingerprint: an incremental build anchors
    README lines to their section, so a paper that only moved down the file keeps its fingerprint.
    """
    papers = _paper_groups(graph)
    for group in papers.values():
        _fingerprint(group, anchor or _plain_anchor)
    return GraphRows(
        stages=[mapping.STAGES.row(s) for s in graph.stages],
        models=[mapping.MODELS.row(x) for x in graph.models],
        heads=[mapping.HEADS.row(h) for h in graph.heads],
        head_aliases=_alias_rows(graph.heads),
        head_models=[mapping.HEAD_MODELS.row(x) for x in graph.head_models],
        methods=[mapping.METHODS.row(x) for x in graph.methods],
        benchmarks=[mapping.BENCHMARKS.row(b) for b in graph.benchmarks],
        authors=[mapping.AUTHORS.row(a) for a in graph.authors],
        findings=[mapping.FINDINGS.row(f) for f in graph.findings],
        papers=papers,
        topics=[{"name": t} for t in sorted({t for p in graph.papers for t in p.topics})],
    )


def _paper_groups(graph: KnowledgeGraph) -> dict[str, PaperRowGroup]:
    """Each paper's row with its bib keys (each key once, casefolded, as BibTeX) and its links."""
    groups = {p.id: PaperRowGroup(paper_row(p)) for p in graph.papers}

    def add(table: type[m.Base], paper_id: str, row: Row) -> None:
        groups[paper_id].children.setdefault(table, []).append(row)

    bib_seen: set[str] = set()
    for paper in graph.papers:
        for key in paper.bib_keys:
            if key.casefold() not in bib_seen:
                bib_seen.add(key.casefold())
                add(m.BibKeyRow, paper.id, {"key_folded": key.casefold(), "key": key, "paper_id": paper.id})
        for topic in dict.fromkeys(paper.topics):
            add(m.PaperTopicRow, paper.id, {"paper_id": paper.id, "topic": topic})
    links: list[tuple[mapping.TableMapping[Any], list[Any]]] = [
        (mapping.PAPER_AUTHORS, graph.paper_authors),
        (mapping.PAPER_HEADS, graph.paper_heads),
        (mapping.PAPER_METHODS, graph.paper_methods),
        (mapping.PAPER_BENCHMARKS, graph.paper_benchmarks),
    ]
    for table_mapping, records in links:
        for link in records:
            add(table_mapping.table, link.paper_id, table_mapping.row(link))
    return groups


def _fingerprint(group: PaperRowGroup, anchor: Anchor) -> None:
    """Stamp the paper row with the hash of itself and its child rows, locations as `anchor` writes them."""
    children = {t.__tablename__: [_anchored(r, anchor) for r in group.children.get(t, [])] for t in PAPER_CHILDREN}
    group.paper["fingerprint"] = _hash([_anchored(group.paper, anchor), children])


def _alias_rows(heads: list[HeadType]) -> list[Row]:
    """Every spelling of every head type by its normalised key (the first head to claim a key keeps it)."""
    aliases: dict[str, Row] = {}
    for head in heads:
        for spelling in (head.name, *head.aliases):
            key = head_key(spelling)
            if key and key not in aliases:
                aliases[key] = {"key": key, "head_slug": head.slug, "spelling": spelling}
    return list(aliases.values())
