"""A knowledge graph as table rows. Rows that belong to one paper (its bib keys, authors, head,
method and benchmark links) are grouped by paper and hashed with it, so an incremental build
can tell exactly which papers changed."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import msgspec

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
    return hashlib.sha256(msgspec.json.encode(payload, order="sorted")).hexdigest()[:32]


def paper_row(paper: Paper) -> Row:
    """A paper's row: its record's columns and the words `q` searches (db/fulltext.py)."""
    row = mapping.PAPERS.row(paper)
    row["search_text"] = fulltext.search_text(
        paper.title, paper.authors, paper.summary, paper.venue, paper.arxiv_id, paper.doi
    )
    row["search_key"] = fulltext.search_key(paper.id)
    return row


def graph_rows(graph: KnowledgeGraph) -> GraphRows:
    """All rows of `graph`; each paper row carries the fingerprint of itself and its links.

    The fingerprint says what the paper and its links are, not where the list states them: a paper
    whose rows only moved down the file (a row added above it) keeps it, and is shifted, not
    rewritten (see `location_print` and db/writer.py).
    """
    papers = _paper_groups(graph)
    for group in papers.values():
        _fingerprint(group)
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


def _fingerprint(group: PaperRowGroup) -> None:
    """Stamp the paper row with the hash of itself and its child rows, wherever the list states them:
    its sources count by file only, and a child row's line by where it stands from the paper's own
    source above it (a head badge on the second line of the paper's README row), so the hash stays
    when the paper's rows move and changes when anything inside them does."""
    sources = [Provenance.parse(s) for s in group.paper["sources"]]
    paper = {k: v for k, v in group.paper.items() if k not in ("sources", "fingerprint")}
    paper["source_files"] = [s.file for s in sources]
    children = {t.__tablename__: [_relative(r, sources) for r in group.children.get(t, [])] for t in PAPER_CHILDREN}
    group.paper["fingerprint"] = _hash([paper, children])


def _relative(row: Row, sources: list[Provenance]) -> Row:
    """A child row with its `file` and `line` as the place of the paper's last source at or above it
    in that file, and the distance from there (absolute when the paper has no source above it)."""
    if "line" not in row:
        return row
    out = {k: v for k, v in row.items() if k not in ("file", "line")}
    above = [k for k, s in enumerate(sources) if s.file == row["file"] and s.line <= row["line"]]
    if above:
        k = max(above, key=lambda k: sources[k].line)
        out["at"] = [k, row["line"] - sources[k].line]
    else:
        out["at"] = [row["file"], row["line"]]
    return out


def _alias_rows(heads: list[HeadType]) -> list[Row]:
    """Every spelling of every head type by its normalised key (the first head to claim a key keeps it)."""
    aliases: dict[str, Row] = {}
    for head in heads:
        for spelling in (head.name, *head.aliases):
            key = head_key(spelling)
            if key and key not in aliases:
                aliases[key] = {"key": key, "head_slug": head.slug, "spelling": spelling}
    return list(aliases.values())
