"""Writing a knowledge graph to the store, atomically: a build killed halfway leaves the
previous store as it was (SQLite: build a new file beside it, then rename over it;
other databases: one transaction)."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, delete, insert, inspect, select
from sqlalchemy.engine import URL

from db import models as m
from db.engine import make_engine, sqlite_path
from ingest.names import head_key, slugify
from schema.graph import KnowledgeGraph, Paper
from schema.provenance import Provenance

CHUNK = 5000  # rows per executemany: bounded memory on 100,000 papers


def paper_fingerprint(paper: Paper) -> str:
    """A hash of everything a paper record says, so diffs and incremental builds see changes."""
    payload = paper.model_dump(mode="json")
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:32]


def _prov(p: Provenance) -> str:
    return str(p)


def paper_row(paper: Paper) -> dict[str, Any]:
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
        "sources": [_prov(s) for s in paper.sources],
        "fingerprint": paper_fingerprint(paper),
    }


def graph_rows(graph: KnowledgeGraph, meta: dict[str, str]) -> list[tuple[type[m.Base], list[dict[str, Any]]]]:
    """Every row of the store, table by table, in insert order (parents first)."""
    authors: dict[str, str] = {}
    paper_authors = []
    for paper in graph.papers:
        seen: set[str] = set()
        for position, name in enumerate(paper.authors):
            slug = slugify(name)
            if not slug or slug in seen:
                continue
            seen.add(slug)
            authors.setdefault(slug, name)
            paper_authors.append({"paper_id": paper.id, "author_slug": slug, "position": position})
    aliases: dict[str, dict[str, str]] = {}
    for head in graph.heads:
        for spelling in (head.name, *head.aliases):
            key = head_key(spelling)
            if key and key not in aliases:
                aliases[key] = {"key": key, "head_slug": head.slug, "spelling": spelling}
    bib_keys: dict[str, dict[str, str]] = {}
    for paper in graph.papers:
        for key in paper.bib_keys:
            bib_keys.setdefault(key.casefold(), {"key_folded": key.casefold(), "key": key, "paper_id": paper.id})
    return [
        (m.MetaRow, [{"key": k, "value": v} for k, v in sorted(meta.items())]),
        (
            m.StageRow,
            [{"code": s.code, "name": s.name, "description": s.description, "position": s.order} for s in graph.stages],
        ),
        (
            m.ModelRow,
            [
                {"slug": x.slug, "name": x.name, "description": x.description, "aliases": x.aliases}
                for x in graph.models
            ],
        ),
        (
            m.HeadRow,
            [
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
                    "features_source": _prov(h.features.source) if h.features and h.features.source else None,
                    "sources": [_prov(s) for s in h.sources],
                }
                for h in graph.heads
            ],
        ),
        (m.PaperRow, [paper_row(p) for p in graph.papers]),
        (m.AuthorRow, [{"slug": s, "name": n} for s, n in sorted(authors.items())]),
        (
            m.MethodRow,
            [
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
        ),
        (
            m.BenchmarkRow,
            [
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
        ),
        (m.HeadAliasRow, list(aliases.values())),
        (m.BibKeyRow, list(bib_keys.values())),
        (m.PaperAuthorRow, paper_authors),
        (
            m.PaperHeadRow,
            [
                {
                    "paper_id": x.paper_id,
                    "head_slug": x.head_slug,
                    "file": x.source.file,
                    "line": x.source.line,
                    "as_written": x.as_written,
                    "qualifier": x.qualifier,
                }
                for x in graph.paper_heads
            ],
        ),
        (
            m.HeadModelRow,
            [
                {
                    "head_slug": x.head_slug,
                    "model_slug": x.model_slug,
                    "file": x.source.file,
                    "line": x.source.line,
                }
                for x in graph.head_models
            ],
        ),
        (
            m.PaperMethodRow,
            [
                {
                    "paper_id": x.paper_id,
                    "method_slug": x.method_slug,
                    "file": x.source.file,
                    "line": x.source.line,
                }
                for x in graph.paper_methods
            ],
        ),
        (
            m.PaperBenchmarkRow,
            [
                {
                    "paper_id": x.paper_id,
                    "benchmark_slug": x.benchmark_slug,
                    "file": x.source.file,
                    "line": x.source.line,
                }
                for x in graph.paper_benchmarks
            ],
        ),
        (
            m.FindingRow,
            [
                {"severity": f.severity, "file": f.file, "line": f.line, "message": f.message, "hint": f.hint}
                for f in graph.findings
            ],
        ),
    ]


def _chunks(rows: list[dict[str, Any]]) -> Iterable[list[dict[str, Any]]]:
    for start in range(0, len(rows), CHUNK):
        yield rows[start : start + CHUNK]


def _fill(conn: Connection, tables: list[tuple[type[m.Base], list[dict[str, Any]]]]) -> None:
    for model, rows in tables:
        for chunk in _chunks(rows):
            conn.execute(insert(model), chunk)


def _schema_is_current(conn: Connection) -> bool:
    if not inspect(conn).has_table(m.MetaRow.__tablename__):
        return False
    version = conn.execute(select(m.MetaRow.value).where(m.MetaRow.key == "schema_version")).scalar()
    return version == m.SCHEMA_VERSION


def write_graph(url: URL, graph: KnowledgeGraph, meta: dict[str, str]) -> None:
    """Replace the store's whole content with `graph`, atomically."""
    tables = graph_rows(graph, {**meta, "schema_version": m.SCHEMA_VERSION})
    path = sqlite_path(url)
    if path is not None:
        _write_sqlite_aside(url, path, tables)
        return
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            if _schema_is_current(conn):
                for model in m.DELETE_ORDER:
                    conn.execute(delete(model))
            else:
                m.Base.metadata.drop_all(conn)
                m.Base.metadata.create_all(conn)
            _fill(conn, tables)
    finally:
        engine.dispose()


def _write_sqlite_aside(url: URL, path: Path, tables: list[tuple[type[m.Base], list[dict[str, Any]]]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.building-{os.getpid()}")
    temp.unlink(missing_ok=True)
    engine = make_engine(url.set(database=str(temp)))
    try:
        with engine.begin() as conn:
            m.Base.metadata.create_all(conn)
            _fill(conn, tables)
    except BaseException:
        engine.dispose()
        temp.unlink(missing_ok=True)
        raise
    engine.dispose()
    os.replace(temp, path)
