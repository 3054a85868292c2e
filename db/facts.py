"""A paper's facts with their lines: the head types, methods and benchmarks linked to it, each
with the file:line of the list that links them (three indexed queries)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from headkg.db import models as m
from headkg.db.queries import paper
from headkg.schema.facts import Fact, PaperFacts


def paper_facts(paper_id: str, *, session: Session) -> PaperFacts:
    """The paper any of its ids names, with every fact's file and line (NotFoundError if none)."""
    view = paper(paper_id, session=session)
    heads = session.execute(
        select(m.HeadRow.slug, m.HeadRow.name, m.HeadRow.stage_code, m.PaperHeadRow)
        .join(m.HeadRow, m.HeadRow.slug == m.PaperHeadRow.head_slug)
        .where(m.PaperHeadRow.paper_id == view.id)
        .order_by(m.HeadRow.name, m.PaperHeadRow.file, m.PaperHeadRow.line)
    ).all()
    methods = session.execute(
        select(m.MethodRow.slug, m.MethodRow.name, m.PaperMethodRow.file, m.PaperMethodRow.line)
        .join(m.MethodRow, m.MethodRow.slug == m.PaperMethodRow.method_slug)
        .where(m.PaperMethodRow.paper_id == view.id)
        .order_by(m.MethodRow.name)
    ).all()
    benchmarks = session.execute(
        select(m.BenchmarkRow.slug, m.BenchmarkRow.name, m.PaperBenchmarkRow.file, m.PaperBenchmarkRow.line)
        .join(m.BenchmarkRow, m.BenchmarkRow.slug == m.PaperBenchmarkRow.benchmark_slug)
        .where(m.PaperBenchmarkRow.paper_id == view.id)
        .order_by(m.BenchmarkRow.name)
    ).all()
    return PaperFacts(
        paper=view,
        heads=[
            Fact(slug=slug, name=name, stage=stage, file=link.file, line=link.line, as_written=link.as_written)
            for slug, name, stage, link in heads
        ],
        methods=[Fact(slug=s, name=n, file=f, line=ln) for s, n, f, ln in methods],
        benchmarks=[Fact(slug=s, name=n, file=f, line=ln) for s, n, f, ln in benchmarks],
    )
