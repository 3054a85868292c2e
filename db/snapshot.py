"""Reading the whole store back as a KnowledgeGraph: for graph export, diffs and incremental builds.
A fixed number of queries (one per table), whatever the size of the store."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from headkg.db import models as m
from headkg.schema.findings import Finding
from headkg.schema.graph import (
    Author,
    Benchmark,
    HeadFeatures,
    HeadModelLink,
    HeadType,
    KnowledgeGraph,
    Method,
    ModelFamily,
    Paper,
    PaperAuthorLink,
    PaperBenchmarkLink,
    PaperHeadLink,
    PaperMethodLink,
    Stage,
)
from headkg.schema.provenance import Provenance


def parse_provenance(text: str) -> Provenance:
    """'source/bib/AttnHead.bib:12' -> Provenance(file=..., line=12)."""
    file, _, line = text.rpartition(":")
    return Provenance(file=file, line=int(line)) if line.isdigit() else Provenance(file=text, line=0)


def paper_fields(row: m.PaperRow) -> dict[str, Any]:
    """A paper row's fields as the records name them (sources still as "file:line" text)."""
    return {
        "id": row.id,
        "title": row.title,
        "authors": row.authors or [],
        "year": row.year,
        "date": row.date,
        "venue": row.venue,
        "arxiv_id": row.arxiv_id,
        "doi": row.doi,
        "urls": row.urls or [],
        "bib_keys": row.bib_keys or [],
        "topics": row.topics or [],
        "summary": row.summary,
        "heads": row.heads or [],
        "sources": row.sources or [],
    }


def paper_from_row(row: m.PaperRow) -> Paper:
    fields = paper_fields(row)
    return Paper(**{**fields, "sources": [parse_provenance(s) for s in fields["sources"]], "bib": row.bib})


def method_from_row(r: m.MethodRow) -> Method:
    return Method(
        slug=r.slug,
        name=r.name,
        family=r.family,
        type=r.type,
        core_operation=r.core_operation,
        source=Provenance(file=r.file, line=r.line),
    )


def benchmark_from_row(r: m.BenchmarkRow) -> Benchmark:
    return Benchmark(
        slug=r.slug,
        name=r.name,
        category=r.category,
        type=r.type,
        main_task=r.main_task,
        origin=r.origin,
        release=r.release,
        url=r.url,
        source=Provenance(file=r.file, line=r.line),
    )


def load_graph(*, session: Session) -> KnowledgeGraph:
    """The store's content as the same records a build wrote."""
    papers = [paper_from_row(r) for r in session.execute(select(m.PaperRow).order_by(m.PaperRow.id)).scalars()]
    heads = [
        HeadType(
            slug=r.slug,
            name=r.name,
            aliases=r.aliases or [],
            stage=r.stage_code,
            sub_category=r.sub_category,
            qualifier=r.qualifier,
            description=r.description,
            model_families=r.model_families or [],
            features=HeadFeatures(
                input_feature=r.input_feature,
                output_feature=r.output_feature,
                layer_distribution=r.layer_distribution,
                source=parse_provenance(r.features_source) if r.features_source else None,
            )
            if (r.input_feature or r.output_feature or r.layer_distribution)
            else None,
            curated=r.curated,
            sources=[parse_provenance(s) for s in r.sources or []],
        )
        for r in session.execute(select(m.HeadRow).order_by(m.HeadRow.slug)).scalars()
    ]
    return KnowledgeGraph(
        papers=papers,
        heads=heads,
        stages=[
            Stage(code=r.code, name=r.name, description=r.description, order=r.position)
            for r in session.execute(select(m.StageRow).order_by(m.StageRow.position)).scalars()
        ],
        models=[
            ModelFamily(slug=r.slug, name=r.name, description=r.description, aliases=r.aliases or [])
            for r in session.execute(select(m.ModelRow).order_by(m.ModelRow.slug)).scalars()
        ],
        methods=[method_from_row(r) for r in session.execute(select(m.MethodRow).order_by(m.MethodRow.slug)).scalars()],
        benchmarks=[
            benchmark_from_row(r)
            for r in session.execute(select(m.BenchmarkRow).order_by(m.BenchmarkRow.slug)).scalars()
        ],
        authors=[
            Author(slug=r.slug, name=r.name)
            for r in session.execute(select(m.AuthorRow).order_by(m.AuthorRow.slug)).scalars()
        ],
        paper_authors=[
            PaperAuthorLink(
                paper_id=r.paper_id,
                author_slug=r.author_slug,
                position=r.position,
                source=Provenance(file=r.file, line=r.line),
            )
            for r in session.execute(
                select(m.PaperAuthorRow).order_by(m.PaperAuthorRow.paper_id, m.PaperAuthorRow.position)
            ).scalars()
        ],
        paper_heads=[
            PaperHeadLink(
                paper_id=r.paper_id,
                head_slug=r.head_slug,
                as_written=r.as_written,
                qualifier=r.qualifier,
                source=Provenance(file=r.file, line=r.line),
            )
            for r in session.execute(
                select(m.PaperHeadRow).order_by(
                    m.PaperHeadRow.paper_id, m.PaperHeadRow.head_slug, m.PaperHeadRow.file, m.PaperHeadRow.line
                )
            ).scalars()
        ],
        head_models=[
            HeadModelLink(head_slug=r.head_slug, model_slug=r.model_slug, source=Provenance(file=r.file, line=r.line))
            for r in session.execute(
                select(m.HeadModelRow).order_by(m.HeadModelRow.head_slug, m.HeadModelRow.model_slug)
            ).scalars()
        ],
        paper_methods=[
            PaperMethodLink(paper_id=r.paper_id, method_slug=r.method_slug, source=Provenance(file=r.file, line=r.line))
            for r in session.execute(
                select(m.PaperMethodRow).order_by(m.PaperMethodRow.paper_id, m.PaperMethodRow.method_slug)
            ).scalars()
        ],
        paper_benchmarks=[
            PaperBenchmarkLink(
                paper_id=r.paper_id, benchmark_slug=r.benchmark_slug, source=Provenance(file=r.file, line=r.line)
            )
            for r in session.execute(
                select(m.PaperBenchmarkRow).order_by(m.PaperBenchmarkRow.paper_id, m.PaperBenchmarkRow.benchmark_slug)
            ).scalars()
        ],
        findings=[
            Finding(severity=r.severity, file=r.file, line=r.line, message=r.message, hint=r.hint, code=r.code)  # type: ignore[arg-type]
            for r in session.execute(select(m.FindingRow).order_by(m.FindingRow.id)).scalars()
        ],
    )
