"""The store's graph for export, as rows streamed in chunks: what `headkg export` and GET /graph read.

Every query here applies one cut (a stage, a year range, with or without authors) and returns plain
rows, never ORM objects or records, in a fixed order, fetched `CHUNK` rows at a time (a server-side
cursor on PostgreSQL), so an export's memory does not grow with the store. Each node row carries the
node's degree in the cut graph, so a writer can size a node before it has seen its edges.

Which papers a cut keeps is the /papers filter's rule (`queries.paper_conditions`): a stage keeps
the papers that found one of its head types, a year range the papers of those years (unknown year:
out as soon as either bound is set; a reversed range keeps none). Under a stage, only the model
families, methods and benchmarks linked to what is kept stay; otherwise every one does.

>>> with kg.graph_rows(GraphCut(stage="KR")) as rows:  # doctest: +SKIP
...     for paper in rows.papers(): ...
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, Select, case, distinct, func, literal, select, text
from sqlalchemy.orm import Session

from headkg.db import models as m
from headkg.db.queries import paper_conditions
from headkg.schema.exceptions import NotFoundError
from headkg.schema.views import PaperFilter

CHUNK = 2000
"""Rows fetched at a time: large enough to amortise round trips, small enough to stay flat."""


@dataclass(frozen=True)
class GraphCut:
    """What an export keeps: one stage (its code or name, any case), a year range, author nodes."""

    stage: str | None = None
    year_from: int | None = None
    year_to: int | None = None
    with_authors: bool = False


def stage_code(stage: str, *, session: Session) -> str:
    """The stage's code from its code or name, case-insensitive ("kr", "Knowledge Recalling");
    NotFoundError listing every code, in stage order, when none matches."""
    rows = session.execute(select(m.StageRow.code, m.StageRow.name).order_by(m.StageRow.position)).all()
    wanted = stage.strip().casefold()
    for code, name in rows:
        if wanted in (code.casefold(), name.casefold()):
            return str(code)
    codes = [code for code, _ in rows]
    raise NotFoundError(f"no stage {stage!r}; the stages are {', '.join(codes)}", suggestions=codes)


def _count(column: Any, *where: Any) -> Any:
    """A correlated count, as a column of the outer row."""
    return select(func.count(column)).where(*where).scalar_subquery()


class GraphRows:
    """The rows of one cut of the store, read through one session (one state of the store)."""

    def __init__(self, cut: GraphCut, *, session: Session) -> None:
        self.session = session
        if session.get_bind().dialect.name == "postgresql":
            # PostgreSQL would JIT-compile these whole-table reads, and the compiling costs more than the
            # reading (measured: 0.56 s of JIT for a 0.49 s query at 32,000 papers); this transaction only
            session.execute(text("SET LOCAL jit = off"))
        self.with_authors = cut.with_authors
        self.stage = stage_code(cut.stage, session=session) if cut.stage else None
        conditions = paper_conditions(
            PaperFilter(stage=[self.stage] if self.stage else [], year_from=cut.year_from, year_to=cut.year_to),
            session=session,
        )
        self._paper_conditions = conditions
        self._kept_papers = select(m.PaperRow.id).where(*conditions).correlate(None)
        self._kept_heads = select(m.HeadRow.slug).where(m.HeadRow.stage_code == self.stage).correlate(None)

    # -- what is kept ------------------------------------------------------------------------------

    def _paper_kept(self, column: Any) -> Any:
        return column.in_(self._kept_papers) if self._paper_conditions else literal(True)

    def _head_kept(self, column: Any) -> Any:
        return column.in_(self._kept_heads) if self.stage else literal(True)

    # -- nodes, each with its degree in the cut graph ----------------------------------------------

    def papers(self) -> Select[Any]:
        """Kept papers by id: id, title, year, date, venue, arxiv_id, doi, urls, topics, degree."""
        p, ph, pm, pb, pa = m.PaperRow, m.PaperHeadRow, m.PaperMethodRow, m.PaperBenchmarkRow, m.PaperAuthorRow
        degree = (
            _count(distinct(ph.head_slug), ph.paper_id == p.id, self._head_kept(ph.head_slug))
            + _count(pm.method_slug, pm.paper_id == p.id)
            + _count(pb.benchmark_slug, pb.paper_id == p.id)
        )
        if self.with_authors:
            degree = degree + _count(pa.author_slug, pa.paper_id == p.id)
        columns = (p.id, p.title, p.year, p.date, p.venue, p.arxiv_id, p.doi, p.urls, p.topics)
        return select(*columns, degree.label("degree")).where(*self._paper_conditions).order_by(p.id)

    def heads(self, *, projection: bool = False) -> Select[Any]:
        """Kept head types by slug: slug, name, stage, sub_category, qualifier, curated, aliases, degree
        (0 in the `projection`, whose degrees come from its edges)."""
        h, ph, hm = m.HeadRow, m.PaperHeadRow, m.HeadModelRow
        degree: Any = literal(0)
        if not projection:
            degree = (
                _count(distinct(ph.paper_id), ph.head_slug == h.slug, self._paper_kept(ph.paper_id))
                + case((h.stage_code.is_not(None), 1), else_=0)
                + _count(hm.model_slug, hm.head_slug == h.slug)
            )
        columns = (h.slug, h.name, h.stage_code.label("stage"), h.sub_category, h.qualifier, h.curated, h.aliases)
        return select(*columns, degree.label("degree")).where(self._head_kept(h.slug)).order_by(h.slug)

    def stages(self) -> Select[Any]:
        """Kept stages in stage order: code, name, order, degree (its head types)."""
        s, h = m.StageRow, m.HeadRow
        degree = _count(h.slug, h.stage_code == s.code)
        stmt = select(s.code, s.name, s.position.label("order"), degree.label("degree"))
        if self.stage:
            stmt = stmt.where(s.code == self.stage)
        return stmt.order_by(s.position, s.code)

    def models(self) -> Select[Any]:
        """Model families by slug (under a stage, those of its head types): slug, name, aliases, degree."""
        x, hm = m.ModelRow, m.HeadModelRow
        degree = _count(hm.head_slug, hm.model_slug == x.slug, self._head_kept(hm.head_slug))
        return self._catalog(select(x.slug, x.name, x.aliases, degree.label("degree")), degree, x.slug)

    def methods(self) -> Select[Any]:
        """Methods by slug (under a stage, those of its papers): slug, name, family, type, core_operation, degree."""
        x, pm = m.MethodRow, m.PaperMethodRow
        degree = _count(pm.paper_id, pm.method_slug == x.slug, self._paper_kept(pm.paper_id))
        columns = (x.slug, x.name, x.family, x.type, x.core_operation)
        return self._catalog(select(*columns, degree.label("degree")), degree, x.slug)

    def benchmarks(self) -> Select[Any]:
        """Benchmarks by slug (under a stage, those of its papers): slug, name, category, type, main_task,
        origin, release, url, degree."""
        x, pb = m.BenchmarkRow, m.PaperBenchmarkRow
        degree = _count(pb.paper_id, pb.benchmark_slug == x.slug, self._paper_kept(pb.paper_id))
        columns = (x.slug, x.name, x.category, x.type, x.main_task, x.origin, x.release, x.url)
        return self._catalog(select(*columns, degree.label("degree")), degree, x.slug)

    def _catalog(self, stmt: Select[Any], degree: Any, slug: Any) -> Select[Any]:
        return (stmt.where(degree > 0) if self.stage else stmt).order_by(slug)

    def authors(self) -> Select[Any]:
        """Authors of the kept papers by slug: slug, name, degree (their kept papers)."""
        a, pa = m.AuthorRow, m.PaperAuthorRow
        degree = _count(pa.paper_id, pa.author_slug == a.slug, self._paper_kept(pa.paper_id))
        return select(a.slug, a.name, degree.label("degree")).where(degree > 0).order_by(a.slug)

    # -- edges -------------------------------------------------------------------------------------

    def found(self) -> Select[Any]:
        """Paper–head sightings of kept papers and head types, by (paper_id, head_slug): one edge may
        have several (README and figure, two qualifiers). paper_id, head_slug, qualifier, file, line."""
        ph = m.PaperHeadRow
        return (
            select(ph.paper_id, ph.head_slug, ph.qualifier, ph.file, ph.line)
            .where(self._paper_kept(ph.paper_id), self._head_kept(ph.head_slug))
            .order_by(ph.paper_id, ph.head_slug, ph.file, ph.line)
        )

    def found_pairs(self) -> Select[Any]:
        """The distinct (paper_id, head_slug) pairs of `found`: one per paper–head edge."""
        ph = m.PaperHeadRow
        return (
            select(ph.paper_id, ph.head_slug)
            .where(self._paper_kept(ph.paper_id), self._head_kept(ph.head_slug))
            .group_by(ph.paper_id, ph.head_slug)
            .order_by(ph.paper_id, ph.head_slug)
        )

    def in_stage(self) -> Select[Any]:
        """(head slug, stage code) of the kept head types that have a stage."""
        h = m.HeadRow
        return select(h.slug, h.stage_code).where(self._head_kept(h.slug), h.stage_code.is_not(None)).order_by(h.slug)

    def head_models(self) -> Select[Any]:
        x = m.HeadModelRow
        stmt = select(x.head_slug, x.model_slug, x.file, x.line).where(self._head_kept(x.head_slug))
        return stmt.order_by(x.head_slug, x.model_slug)

    def paper_methods(self) -> Select[Any]:
        x = m.PaperMethodRow
        stmt = select(x.paper_id, x.method_slug, x.file, x.line).where(self._paper_kept(x.paper_id))
        return stmt.order_by(x.paper_id, x.method_slug)

    def paper_benchmarks(self) -> Select[Any]:
        x = m.PaperBenchmarkRow
        stmt = select(x.paper_id, x.benchmark_slug, x.file, x.line).where(self._paper_kept(x.paper_id))
        return stmt.order_by(x.paper_id, x.benchmark_slug)

    def paper_authors(self) -> Select[Any]:
        x = m.PaperAuthorRow
        stmt = select(x.paper_id, x.author_slug).where(self._paper_kept(x.paper_id))
        return stmt.order_by(x.paper_id, x.position)

    # -- reading -----------------------------------------------------------------------------------

    def rows(self, stmt: Select[Any]) -> Iterator[Row[Any]]:
        """The rows of one of the statements above, `CHUNK` at a time."""
        yield from self.session.execute(stmt.execution_options(yield_per=CHUNK))

    def count(self, stmt: Select[Any]) -> int:
        """How many rows one of the statements above gives (the GEXF `count` attributes)."""
        return int(self.session.execute(select(func.count()).select_from(stmt.order_by(None).subquery())).scalar_one())

    def latest(self) -> tuple[dt.date | None, int | None]:
        """The kept papers' last date, and the last year of those without one: where the timeline ends."""
        p, kept = m.PaperRow, self._paper_conditions
        last_date = self.session.execute(select(func.max(p.date)).where(*kept)).scalar_one()
        last_year = self.session.execute(select(func.max(p.year)).where(*kept, p.date.is_(None))).scalar_one()
        return last_date, last_year
