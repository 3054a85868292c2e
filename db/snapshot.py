"""Reading the whole store back as a KnowledgeGraph: for graph export, diffs and incremental builds.
A fixed number of queries (one per table), whatever the size of the store."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from headkg.db import mapping
from headkg.db import models as m
from headkg.schema.graph import KnowledgeGraph

# Each KnowledgeGraph list: its table's mapping and the order the build wrote it in.
_LISTS: dict[str, tuple[mapping.TableMapping[Any], tuple[Any, ...]]] = {
    "papers": (mapping.PAPERS, (m.PaperRow.id,)),
    "heads": (mapping.HEADS, (m.HeadRow.slug,)),
    "stages": (mapping.STAGES, (m.StageRow.position,)),
    "models": (mapping.MODELS, (m.ModelRow.slug,)),
    "methods": (mapping.METHODS, (m.MethodRow.slug,)),
    "benchmarks": (mapping.BENCHMARKS, (m.BenchmarkRow.slug,)),
    "authors": (mapping.AUTHORS, (m.AuthorRow.slug,)),
    "paper_authors": (mapping.PAPER_AUTHORS, (m.PaperAuthorRow.paper_id, m.PaperAuthorRow.position)),
    "paper_heads": (
        mapping.PAPER_HEADS,
        (m.PaperHeadRow.paper_id, m.PaperHeadRow.head_slug, m.PaperHeadRow.file, m.PaperHeadRow.line),
    ),
    "head_models": (mapping.HEAD_MODELS, (m.HeadModelRow.head_slug, m.HeadModelRow.model_slug)),
    "paper_methods": (mapping.PAPER_METHODS, (m.PaperMethodRow.paper_id, m.PaperMethodRow.method_slug)),
    "paper_benchmarks": (
        mapping.PAPER_BENCHMARKS,
        (m.PaperBenchmarkRow.paper_id, m.PaperBenchmarkRow.benchmark_slug),
    ),
    "findings": (mapping.FINDINGS, (m.FindingRow.id,)),
}


def load_graph(*, session: Session) -> KnowledgeGraph:
    """The store's content as the same records a build wrote, in the order it wrote them."""
    lists = {}
    for name, (table_mapping, order) in _LISTS.items():
        rows = session.execute(select(table_mapping.table).order_by(*order)).scalars()
        lists[name] = [table_mapping.record(row) for row in rows]
    return KnowledgeGraph(**lists)
