"""Field-level queries: every paper of a query (for citations and spreadsheets), the comparison
table of one head type, and the analyses timeline, co-occurrence, gaps and growth.

Every function takes the papers' filters (`PaperFilter`, as `papers` does) and a `Session`
keyword-only, and answers with a fixed number of aggregate queries whatever the store's size.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Select, distinct, func, select
from sqlalchemy.orm import Session

from headkg.db import mapping
from headkg.db import models as m
from headkg.db.queries import (
    SORTS,
    filtered_ids,
    head_slug_for,
    resolve_paper_id,
    resolve_paper_ids,
    rows_in_order,
    selection,
)
from headkg.schema.analysis import (
    Comparison,
    ComparisonRow,
    Cooccurrence,
    FamilyRef,
    GapRow,
    Gaps,
    Growth,
    GrowthRow,
    HeadPair,
    HeadRef,
    Timeline,
    TimelineEntry,
)
from headkg.schema.citation import CITATION_CAP, CitedPaper, PaperList, paper_link
from headkg.schema.exceptions import InvalidRequestError
from headkg.schema.views import PaperFilter, PaperRef, report_order

TOP_HEADS = 8  # head types drawn per year in `growth`


class TooManyPapersError(InvalidRequestError):
    """A whole-result export over the cap: the caller should narrow the query."""


def paper_list(
    filters: PaperFilter,
    *,
    session: Session,
    sort: str | None = None,
    cap: int | None = CITATION_CAP,
    limit: int | None = None,
    offset: int = 0,
) -> PaperList:
    """Every paper passing the filters (`limit` of them from `offset`; by relevance when there is a
    `q` and no `sort`), with its bib entry; refused over `cap` papers (None: no cap)."""
    if offset < 0 or (limit is not None and limit < 0):
        raise InvalidRequestError("limit and offset must not be negative")
    chosen = selection(filters, session=session, sort=sort)
    total = session.execute(select(func.count()).select_from(chosen.ids.subquery())).scalar_one()
    taken = max(0, total - offset) if limit is None else max(0, min(limit, total - offset))
    if cap is not None and taken > cap:
        raise TooManyPapersError(
            f"{total} papers match; a citation or spreadsheet export takes at most {cap}: narrow the query "
            "(e.g. --head, --stage, --year-from), take a part (--limit, --offset) or page through the JSON"
        )
    stmt = chosen.ranked_ids.offset(offset)
    if limit is not None:
        stmt = stmt.limit(limit)
    rows = rows_in_order(list(session.execute(stmt).scalars()), session=session)
    return PaperList([CitedPaper(**mapping.PAPERS.values(row)) for row in rows])


def papers_by_id(ids: list[str], *, session: Session) -> PaperList:
    """The papers these ids name (former ids too), in the order given, each once; NotFoundError names
    an unknown id."""
    current = resolve_paper_ids(ids, session=session)
    for paper_id in ids:
        if paper_id not in current:
            resolve_paper_id(paper_id, session=session)  # raises NotFoundError with close ids
    wanted = list(dict.fromkeys(current[i] for i in ids))
    rows = {r.id: r for r in session.execute(select(m.PaperRow).where(m.PaperRow.id.in_(wanted))).scalars()}
    return PaperList([CitedPaper(**mapping.PAPERS.values(rows[i])) for i in wanted])


# -- shared pieces -----------------------------------------------------------------------------------


def _stage_order(*, session: Session) -> dict[str | None, int]:
    order: dict[str | None, int] = dict(session.execute(select(m.StageRow.code, m.StageRow.position)).all())
    return order


def _head_refs(slugs: Iterable[str], *, session: Session) -> list[HeadRef]:
    """Head types in stage order, then by name (unstaged ones last)."""
    wanted = set(slugs)
    order = _stage_order(session=session)
    rows = session.execute(select(m.HeadRow.slug, m.HeadRow.name, m.HeadRow.stage_code)).all()
    refs = [HeadRef(slug=s, name=n, stage=c) for s, n, c in rows if s in wanted]
    return sorted(refs, key=lambda h: (order.get(h.stage, len(order)), h.name.casefold(), h.slug))


def _head_paper_counts(ids: Select[Any], *, session: Session) -> dict[str, int]:
    return dict(
        session.execute(
            select(m.PaperHeadRow.head_slug, func.count(distinct(m.PaperHeadRow.paper_id)))
            .where(m.PaperHeadRow.paper_id.in_(ids))
            .group_by(m.PaperHeadRow.head_slug)
        ).all()
    )


def _names_by_paper(
    paper_column: Any, slug_column: Any, target: Any, *, paper_ids: Select[Any], session: Session
) -> dict[str, list[str]]:
    """Names of the methods (or benchmarks) linked to each of the papers, sorted."""
    found: dict[str, list[str]] = defaultdict(list)
    stmt = (
        select(paper_column, target.name)
        .join(target, target.slug == slug_column)
        .where(paper_column.in_(paper_ids))
        .order_by(paper_column, target.name)
    )
    for paper_id, name in session.execute(stmt).all():
        found[paper_id].append(name)
    return found


# -- comparison --------------------------------------------------------------------------------------


def comparison(head: str, filters: PaperFilter, *, session: Session) -> Comparison:
    """One row per paper that found `head` (and passes the filters), oldest first."""
    slug = head_slug_for(head, session=session)
    row = session.get(m.HeadRow, slug)
    assert row is not None
    families = dict(session.execute(select(m.ModelRow.slug, m.ModelRow.name)).all())
    of_head = select(m.PaperHeadRow.paper_id).where(m.PaperHeadRow.head_slug == slug)
    passing = filtered_ids(filters, session=session)
    ids = select(m.PaperRow.id).where(m.PaperRow.id.in_(of_head), m.PaperRow.id.in_(passing))
    methods = _names_by_paper(
        m.PaperMethodRow.paper_id, m.PaperMethodRow.method_slug, m.MethodRow, paper_ids=ids, session=session
    )
    benchmarks = _names_by_paper(
        m.PaperBenchmarkRow.paper_id, m.PaperBenchmarkRow.benchmark_slug, m.BenchmarkRow, paper_ids=ids, session=session
    )
    papers = session.execute(select(m.PaperRow).where(m.PaperRow.id.in_(ids)).order_by(*SORTS["date"])).scalars()
    return Comparison(
        head=HeadRef(name=row.name, slug=row.slug, stage=row.stage_code),
        model_families=[FamilyRef(slug=s, name=families.get(s, s)) for s in row.model_families or []],
        rows=[
            ComparisonRow(
                id=p.id,
                date=p.date,
                year=p.year,
                title=p.title,
                venue=p.venue,
                link=paper_link(p.arxiv_id, p.doi, p.urls or []),
                methods=methods.get(p.id, []),
                benchmarks=benchmarks.get(p.id, []),
                other_heads=[h for h in p.heads or [] if h != row.name],
            )
            for p in papers
        ],
    )


# -- analyses ----------------------------------------------------------------------------------------


def timeline(filters: PaperFilter, *, session: Session) -> Timeline:
    """Each head type's first report among the filtered papers, in order of that report."""
    ids = filtered_ids(filters, session=session)
    links = session.execute(
        select(m.PaperHeadRow.head_slug, m.PaperRow.id, m.PaperRow.date, m.PaperRow.year)
        .join(m.PaperRow, m.PaperRow.id == m.PaperHeadRow.paper_id)
        .where(m.PaperHeadRow.paper_id.in_(ids))
        .distinct()
    ).all()
    first: dict[str, PaperRef] = {}
    order: dict[str, tuple[dt.date, str]] = {}
    for slug, paper_id, date, year in links:  # one pass over the links, no object per link
        if not (date or year):
            continue
        key = report_order(date, year, paper_id)
        if slug not in order or key < order[slug]:
            order[slug] = key
            first[slug] = PaperRef.model_construct(id=paper_id, title="", date=date, year=year)
    titles = dict(
        session.execute(
            select(m.PaperRow.id, m.PaperRow.title).where(m.PaperRow.id.in_({r.id for r in first.values()}))
        ).all()
    )
    heads = {h.slug: h for h in _head_refs(first, session=session)}
    entries = [
        TimelineEntry(
            head=heads[slug],
            date=ref.date,
            year=ref.year,
            paper=ref.model_copy(update={"title": titles[ref.id]}),
        )
        for slug, ref in first.items()
    ]
    return Timeline(entries=sorted(entries, key=lambda e: (e.paper.chronology(), e.head.name.casefold())))


def cooccurrence(filters: PaperFilter, *, session: Session) -> Cooccurrence:
    """Head type × head type: how many of the filtered papers found both (the `heads` projection)."""
    ids = filtered_ids(filters, session=session)
    counts = _head_paper_counts(ids, session=session)
    a, b = m.PaperHeadRow.__table__.alias("a"), m.PaperHeadRow.__table__.alias("b")
    pairs = session.execute(
        select(a.c.head_slug, b.c.head_slug, func.count(distinct(a.c.paper_id)))
        .join(b, (a.c.paper_id == b.c.paper_id) & (a.c.head_slug < b.c.head_slug))
        .where(a.c.paper_id.in_(ids))
        .group_by(a.c.head_slug, b.c.head_slug)
    ).all()
    heads = _head_refs(counts, session=session)
    position = {h.slug: i for i, h in enumerate(heads)}
    matrix = [[0] * len(heads) for _ in heads]
    for h in heads:
        matrix[position[h.slug]][position[h.slug]] = counts[h.slug]
    cells: list[tuple[int, int, int]] = []
    for x, y, n in pairs:
        i, j = sorted((position[x], position[y]))
        matrix[i][j] = matrix[j][i] = n
        cells.append((-n, i, j))
    found = [HeadPair(a=heads[i].name, b=heads[j].name, papers=-n) for n, i, j in sorted(cells)]
    return Cooccurrence(heads=heads, matrix=matrix, pairs=found)


def gaps(filters: PaperFilter, *, session: Session) -> Gaps:
    """Every head type with papers in the result × every model family: seen per the survey's taxonomy."""
    counts = _head_paper_counts(filtered_ids(filters, session=session), session=session)
    families = [FamilyRef(slug=s, name=n) for s, n in session.execute(select(m.ModelRow.slug, m.ModelRow.name)).all()]
    families.sort(key=lambda f: f.slug)
    seen = dict(session.execute(select(m.HeadRow.slug, m.HeadRow.model_families)).all())
    return Gaps(
        families=families,
        rows=[
            GapRow(head=h, paper_count=counts[h.slug], families=sorted(seen.get(h.slug) or []))
            for h in _head_refs(counts, session=session)
        ],
    )


def growth(filters: PaperFilter, *, session: Session, top: int = TOP_HEADS) -> Growth:
    """Papers per year, per year × stage, and per year × head type for the `top` most reported."""
    ids = filtered_ids(filters, session=session)
    per_year = dict(
        session.execute(
            select(m.PaperRow.year, func.count()).where(m.PaperRow.id.in_(ids)).group_by(m.PaperRow.year)
        ).all()
    )
    by_head = (
        select(m.PaperRow.year, m.PaperHeadRow.head_slug, m.HeadRow.stage_code, m.PaperRow.id)
        .join(m.PaperRow, m.PaperRow.id == m.PaperHeadRow.paper_id)
        .join(m.HeadRow, m.HeadRow.slug == m.PaperHeadRow.head_slug)
        .where(m.PaperHeadRow.paper_id.in_(ids), m.PaperRow.year.is_not(None))
        .subquery()
    )
    per_stage = session.execute(
        select(by_head.c.year, by_head.c.stage_code, func.count(distinct(by_head.c.id)))
        .where(by_head.c.stage_code.is_not(None))
        .group_by(by_head.c.year, by_head.c.stage_code)
    ).all()
    counts = _head_paper_counts(ids, session=session)
    names = dict(session.execute(select(m.HeadRow.slug, m.HeadRow.name)).all())
    top_slugs = sorted(counts, key=lambda s: (-counts[s], names[s].casefold()))[:top]
    per_head = session.execute(
        select(by_head.c.year, by_head.c.head_slug, func.count(distinct(by_head.c.id)))
        .where(by_head.c.head_slug.in_(top_slugs))
        .group_by(by_head.c.year, by_head.c.head_slug)
    ).all()
    known = [y for y in per_year if y is not None]
    rows = {y: GrowthRow(year=y, papers=per_year.get(y, 0)) for y in range(min(known), max(known) + 1)} if known else {}
    for year, code, n in per_stage:
        rows[year].stages[code] = n
    for year, slug, n in per_head:
        rows[year].heads[names[slug]] = n
    stage_codes = session.execute(select(m.StageRow.code).order_by(m.StageRow.position)).scalars().all()
    return Growth(
        stages=list(stage_codes),
        heads=[names[s] for s in top_slugs],
        rows=list(rows.values()),
        unknown_year=per_year.get(None, 0),
    )
