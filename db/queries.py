"""Every read query of the store. Functions take a `Session` keyword-only and return the view
models of schema/views.py; a list request is a fixed number of queries whatever its size."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from sqlalchemy import Select, distinct, func, select
from sqlalchemy.orm import Session

from headkg.db import mapping
from headkg.db import models as m
from headkg.schema.exceptions import InvalidRequestError, NotFoundError
from headkg.schema.names import NameIndex
from headkg.schema.provenance import Provenance
from headkg.schema.sightings import PaperSighting
from headkg.schema.views import (
    BenchmarkSummary,
    Candidate,
    Facets,
    FirstReport,
    HeadDetail,
    HeadResolution,
    HeadSummary,
    MethodSummary,
    ModelSummary,
    PaperAlias,
    PaperFilter,
    PaperPage,
    PaperRef,
    PaperView,
    StageDetail,
    StageSummary,
    Stats,
)

SortKey = Literal["date", "-date", "title", "-title"]
SORTS: dict[str, tuple[Any, ...]] = {
    # Undated papers last either way; NULLS LAST (SQLite 3.30+, PostgreSQL) lets SQLite walk the
    # date index, where a leading `date IS NULL` key made it sort every row.
    "date": (m.PaperRow.date.asc().nulls_last(), m.PaperRow.id),
    "-date": (m.PaperRow.date.desc().nulls_last(), m.PaperRow.id),
    "title": (func.lower(m.PaperRow.title), m.PaperRow.id),
    "-title": (func.lower(m.PaperRow.title).desc(), m.PaperRow.id),
}

# Each order exactly reversed (SQLite's sorter keeps offset + limit rows: a deep page of 100,000
# papers by title took ~330 ms, the same page read from the end ~30 ms).
REVERSED: dict[str, tuple[Any, ...]] = {
    "date": (m.PaperRow.date.desc().nulls_first(), m.PaperRow.id.desc()),
    "-date": (m.PaperRow.date.asc().nulls_first(), m.PaperRow.id.desc()),
    "title": (func.lower(m.PaperRow.title).desc(), m.PaperRow.id.desc()),
    "-title": (func.lower(m.PaperRow.title), m.PaperRow.id.desc()),
}


def head_index(*, session: Session) -> NameIndex:
    """Every spelling of every head type in the store (a few hundred rows at most)."""
    rows = session.execute(select(m.HeadAliasRow.spelling, m.HeadAliasRow.head_slug)).all()
    names = dict(session.execute(select(m.HeadRow.slug, m.HeadRow.name)).all())
    return NameIndex(((spelling, slug) for spelling, slug in rows), names)


def resolve_head(name: str, *, session: Session) -> HeadResolution:
    """The head type a user means by `name` (alias, any case, plural, small typo) or candidates."""
    index = head_index(session=session)
    slug = index.resolve(name)
    if slug:
        return HeadResolution(query=name, head=head_summaries(session=session, slugs=[slug])[0])
    candidates = [Candidate(slug=s.slug, name=s.name, score=s.score) for s in index.suggest(name, limit=5)]
    return HeadResolution(query=name, candidates=candidates)


def head_slug_for(name: str, *, session: Session) -> str:
    """A head filter's slug, or NotFoundError carrying suggestions."""
    resolution = resolve_head(name, session=session)
    if resolution.head is None:
        raise NotFoundError(f"no head type matches '{name}'", [c.name for c in resolution.candidates])
    return resolution.head.slug


def stage_code_for(code: str, *, session: Session) -> str:
    """A stage by code or name, any case: 'lr', 'Latent Reasoning' -> 'LR'."""
    for stage_code, stage_name in session.execute(select(m.StageRow.code, m.StageRow.name)).all():
        if code.strip().casefold() in (stage_code.casefold(), stage_name.casefold()):
            return stage_code
    codes = session.execute(select(m.StageRow.code).order_by(m.StageRow.position)).scalars().all()
    raise NotFoundError(f"no stage '{code}'; stages are {', '.join(codes)}", list(codes))


def _slug_by_name(model: Any, value: str, what: str, *, session: Session) -> str:
    """A method, benchmark or model family by slug or name, any case."""
    folded = value.strip().casefold()
    rows = session.execute(select(model.slug, model.name)).all()
    for slug, name in rows:
        if folded in (slug.casefold(), name.casefold()):
            return slug
    if model is m.ModelRow:
        for slug, aliases in session.execute(select(m.ModelRow.slug, m.ModelRow.aliases)).all():
            if folded in (a.casefold() for a in aliases or ()):
                return slug
    raise NotFoundError(f"no {what} '{value}'", [name for _, name in rows][:10])


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def filtered_ids(filters: PaperFilter, *, session: Session) -> Select[Any]:
    """A subquery of the ids of the papers that pass every filter (indexed lookups)."""
    stmt = select(m.PaperRow.id)
    if filters.ids:
        current = resolve_paper_ids(filters.ids, session=session)
        for missing in (pid for pid in filters.ids if pid not in current):
            resolve_paper_id(missing, session=session)  # raises NotFoundError with close ids
        stmt = stmt.where(m.PaperRow.id.in_(sorted(set(current.values()))))
    if filters.head:
        slug = head_slug_for(filters.head, session=session)
        stmt = stmt.where(m.PaperRow.id.in_(select(m.PaperHeadRow.paper_id).where(m.PaperHeadRow.head_slug == slug)))
    if filters.stage:
        code = stage_code_for(filters.stage, session=session)
        stmt = stmt.where(
            m.PaperRow.id.in_(
                select(m.PaperHeadRow.paper_id)
                .join(m.HeadRow, m.HeadRow.slug == m.PaperHeadRow.head_slug)
                .where(m.HeadRow.stage_code == code)
            )
        )
    if filters.method:
        slug = _slug_by_name(m.MethodRow, filters.method, "method", session=session)
        stmt = stmt.where(
            m.PaperRow.id.in_(select(m.PaperMethodRow.paper_id).where(m.PaperMethodRow.method_slug == slug))
        )
    if filters.benchmark:
        slug = _slug_by_name(m.BenchmarkRow, filters.benchmark, "benchmark", session=session)
        stmt = stmt.where(
            m.PaperRow.id.in_(select(m.PaperBenchmarkRow.paper_id).where(m.PaperBenchmarkRow.benchmark_slug == slug))
        )
    if filters.model:
        slug = _slug_by_name(m.ModelRow, filters.model, "model family", session=session)
        # A paper is "in" a family when it found a head type the survey saw in that family and
        # the survey's taxonomy cites the paper for that head type.
        stmt = stmt.where(
            m.PaperRow.id.in_(
                select(m.PaperHeadRow.paper_id)
                .join(m.HeadModelRow, m.HeadModelRow.head_slug == m.PaperHeadRow.head_slug)
                .where(m.HeadModelRow.model_slug == slug, m.PaperHeadRow.file == m.HeadModelRow.file)
            )
        )
    if filters.year_from is not None:
        stmt = stmt.where(m.PaperRow.year >= filters.year_from)
    if filters.year_to is not None:
        stmt = stmt.where(m.PaperRow.year <= filters.year_to)
    if filters.q:
        for word in filters.q.casefold().split():
            stmt = stmt.where(m.PaperRow.search_text.like(f"%{_escape_like(word)}%", escape="\\"))
    return stmt


def _view(row: m.PaperRow) -> PaperView:
    return PaperView(**mapping.PAPERS.values(row))


def papers(
    filters: PaperFilter,
    *,
    session: Session,
    sort: str = "date",
    limit: int | None = None,
    offset: int = 0,
    facets: bool = False,
) -> PaperPage:
    """A page of papers (all when `limit` is None), the filtered total and optional facets."""
    if sort not in SORTS:
        raise InvalidRequestError(f"unknown sort '{sort}'; use one of {', '.join(SORTS)}")
    if offset < 0 or (limit is not None and limit < 0):
        raise InvalidRequestError("limit and offset must not be negative")
    ids = filtered_ids(filters, session=session)
    total = session.execute(select(func.count()).select_from(ids.subquery())).scalar_one()
    # Sort and cut the ids alone, then load the page's rows: sorting whole rows (summaries, JSON)
    # of a large result costs several times more than sorting their ids (~40 ms vs ~110 ms on
    # 20,000 of 100,000 papers). `ids` selects from papers, so it is sorted as it is.
    order, skip, take = SORTS[sort], offset, limit
    backwards = limit is not None and sort in REVERSED and offset > total // 2
    if backwards:  # past the middle, read from the other end: the last page costs what the first does
        order, skip, take = REVERSED[sort], max(total - offset - limit, 0), max(min(limit, total - offset), 0)
    page_ids = ids.order_by(*order).offset(skip)
    if take is not None:
        page_ids = page_ids.limit(take)
    stmt = select(m.PaperRow).where(m.PaperRow.id.in_(page_ids)).order_by(*order)
    items = [_view(row) for row in session.execute(stmt).scalars()]
    if backwards:
        items.reverse()
    page = PaperPage(total=total, limit=limit if limit is not None else total, offset=offset, items=items)
    if facets:
        page.facets = paper_facets(ids, session=session)
    return page


def paper_facets(ids: Select[Any], *, session: Session) -> Facets:
    """Counts over the whole filtered set, not just the page."""
    heads = session.execute(
        select(m.HeadRow.name, func.count(distinct(m.PaperHeadRow.paper_id)))
        .join(m.HeadRow, m.HeadRow.slug == m.PaperHeadRow.head_slug)
        .where(m.PaperHeadRow.paper_id.in_(ids))
        .group_by(m.HeadRow.name)
    ).all()
    stages = session.execute(
        select(m.HeadRow.stage_code, func.count(distinct(m.PaperHeadRow.paper_id)))
        .join(m.HeadRow, m.HeadRow.slug == m.PaperHeadRow.head_slug)
        .where(m.PaperHeadRow.paper_id.in_(ids), m.HeadRow.stage_code.is_not(None))
        .group_by(m.HeadRow.stage_code)
    ).all()
    years = session.execute(
        select(m.PaperRow.year, func.count()).where(m.PaperRow.id.in_(ids)).group_by(m.PaperRow.year)
    ).all()
    return Facets(
        heads=dict(sorted(((n, c) for n, c in heads), key=lambda x: (-x[1], x[0]))),
        stages={code: count for code, count in sorted(stages)},
        years={
            str(y if y is not None else "unknown"): c for y, c in sorted(years, key=lambda x: (x[0] is None, x[0] or 0))
        },
    )


def resolve_paper_ids(paper_ids: Sequence[str], *, session: Session) -> dict[str, str]:
    """Each id that names a paper -> that paper's current id (itself, or through an alias:
    a former id or another id form). Two indexed lookups whatever the number of ids."""
    wanted = sorted(set(paper_ids))
    found = {pid: pid for pid in session.execute(select(m.PaperRow.id).where(m.PaperRow.id.in_(wanted))).scalars()}
    rest = [pid for pid in wanted if pid not in found]
    if rest:
        aliased = select(m.PaperAliasRow.alias, m.PaperAliasRow.paper_id).where(m.PaperAliasRow.alias.in_(rest))
        found.update(dict(session.execute(aliased).all()))
    return found


def resolve_paper_id(paper_id: str, *, session: Session) -> str:
    """The current id of the paper `paper_id` names, or NotFoundError with close ids."""
    current = resolve_paper_ids([paper_id], session=session).get(paper_id)
    if current is None:
        close = session.execute(
            select(m.PaperRow.id).where(m.PaperRow.id.like(f"%{_escape_like(paper_id[-12:])}%", escape="\\")).limit(5)
        ).scalars()
        raise NotFoundError(f"no paper with id '{paper_id}'", list(close))
    return current


def paper(paper_id: str, *, session: Session) -> PaperView:
    """One paper by any id it answers to; the view carries its current id."""
    row = session.get(m.PaperRow, resolve_paper_id(paper_id, session=session))
    if row is None:  # cannot happen: an alias points at a paper (foreign key)
        raise NotFoundError(f"no paper with id '{paper_id}'")
    return _view(row)


def paper_aliases(*, session: Session) -> list[PaperAlias]:
    """Every alias of the store with the current id it stands for, by alias."""
    rows = session.execute(select(m.PaperAliasRow).order_by(m.PaperAliasRow.alias)).scalars()
    return [PaperAlias(alias=r.alias, paper_id=r.paper_id, reason=r.reason) for r in rows]


def _head_counts(*, session: Session, slugs: Sequence[str] | None = None) -> Select[Any]:
    counted = select(m.PaperHeadRow.head_slug, func.count(distinct(m.PaperHeadRow.paper_id)).label("n"))
    if slugs is not None:  # count only these heads' links (resolving one name counts one head)
        counted = counted.where(m.PaperHeadRow.head_slug.in_(slugs))
    counts = counted.group_by(m.PaperHeadRow.head_slug).subquery()
    stmt = (
        select(m.HeadRow, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.head_slug == m.HeadRow.slug)
        .order_by(m.HeadRow.name)
    )
    if slugs is not None:
        stmt = stmt.where(m.HeadRow.slug.in_(slugs))
    return stmt


def _summary(row: m.HeadRow, count: int) -> HeadSummary:
    values = mapping.HEADS.values(row)
    return HeadSummary(**{k: values[k] for k in HeadSummary.model_fields if k in values}, paper_count=count)


def head_summaries(
    *, session: Session, stage: str | None = None, slugs: Sequence[str] | None = None
) -> list[HeadSummary]:
    stmt = _head_counts(session=session, slugs=slugs)
    if stage:
        stmt = stmt.where(m.HeadRow.stage_code == stage_code_for(stage, session=session))
    return [_summary(row, count) for row, count in session.execute(stmt).all()]


def _refs(stmt: Select[Any], *, session: Session) -> list[PaperRef]:
    return [PaperRef(id=i, title=t, date=d, year=y) for i, t, d, y in session.execute(stmt).all()]


def _paper_refs_where(condition: Any) -> Select[Any]:
    return (
        select(m.PaperRow.id, m.PaperRow.title, m.PaperRow.date, m.PaperRow.year)
        .where(condition)
        .order_by(m.PaperRow.date.is_(None), m.PaperRow.date, m.PaperRow.year, m.PaperRow.id)
    )


def head(name_or_slug: str, *, session: Session) -> HeadDetail:
    """A head type by slug or any spelling, with its papers and the earliest report."""
    row = session.get(m.HeadRow, name_or_slug)
    if row is None:
        resolution = resolve_head(name_or_slug, session=session)
        if resolution.head is None:
            raise NotFoundError(f"no head type '{name_or_slug}'", [c.name for c in resolution.candidates])
        row = session.get(m.HeadRow, resolution.head.slug)
        assert row is not None
    refs = _refs(
        _paper_refs_where(
            m.PaperRow.id.in_(select(m.PaperHeadRow.paper_id).where(m.PaperHeadRow.head_slug == row.slug))
        ),
        session=session,
    )
    dated = [r for r in refs if r.date or r.year]
    first = min(dated, key=PaperRef.chronology) if dated else None
    return HeadDetail(
        **_summary(row, len(refs)).model_dump(),
        description=row.description,
        features=mapping.head_features(row),
        papers=refs,
        first_reported=FirstReport(date=first.date, year=first.year, paper=first) if first else None,
        sources=row.sources or [],
    )


def stages(*, session: Session) -> list[StageSummary]:
    head_counts = dict(
        session.execute(
            select(m.HeadRow.stage_code, func.count())
            .where(m.HeadRow.stage_code.is_not(None))
            .group_by(m.HeadRow.stage_code)
        ).all()
    )
    paper_counts = dict(
        session.execute(
            select(m.HeadRow.stage_code, func.count(distinct(m.PaperHeadRow.paper_id)))
            .join(m.HeadRow, m.HeadRow.slug == m.PaperHeadRow.head_slug)
            .where(m.HeadRow.stage_code.is_not(None))
            .group_by(m.HeadRow.stage_code)
        ).all()
    )
    return [
        StageSummary(
            **mapping.STAGES.values(row),
            head_count=head_counts.get(row.code, 0),
            paper_count=paper_counts.get(row.code, 0),
        )
        for row in session.execute(select(m.StageRow).order_by(m.StageRow.position)).scalars()
    ]


def stage(code: str, *, session: Session) -> StageDetail:
    found = stage_code_for(code, session=session)
    summary = next(s for s in stages(session=session) if s.code == found)
    papers_of_stage = _paper_refs_where(
        m.PaperRow.id.in_(
            select(m.PaperHeadRow.paper_id)
            .join(m.HeadRow, m.HeadRow.slug == m.PaperHeadRow.head_slug)
            .where(m.HeadRow.stage_code == found)
        )
    )
    return StageDetail(
        **summary.model_dump(),
        heads=head_summaries(session=session, stage=found),
        papers=_refs(papers_of_stage, session=session),
    )


def _linked_papers(slug_column: Any, paper_column: Any, *, session: Session) -> dict[str, list[str]]:
    """Paper ids per method or benchmark slug, in one query."""
    links: dict[str, list[str]] = {}
    for slug, paper_id in session.execute(select(slug_column, paper_column).order_by(paper_column)).all():
        links.setdefault(slug, []).append(paper_id)
    return links


def methods(*, session: Session) -> list[MethodSummary]:
    links = _linked_papers(m.PaperMethodRow.method_slug, m.PaperMethodRow.paper_id, session=session)
    rows = session.execute(select(m.MethodRow).order_by(m.MethodRow.family, m.MethodRow.type, m.MethodRow.name))
    return [
        MethodSummary(**mapping.METHODS.values(r), paper_count=len(links.get(r.slug, [])), papers=links.get(r.slug, []))
        for r in rows.scalars()
    ]


def benchmarks(*, session: Session) -> list[BenchmarkSummary]:
    links = _linked_papers(m.PaperBenchmarkRow.benchmark_slug, m.PaperBenchmarkRow.paper_id, session=session)
    rows = session.execute(select(m.BenchmarkRow).order_by(m.BenchmarkRow.category, m.BenchmarkRow.name))
    return [
        BenchmarkSummary(
            **mapping.BENCHMARKS.values(r), paper_count=len(links.get(r.slug, [])), papers=links.get(r.slug, [])
        )
        for r in rows.scalars()
    ]


def models(*, session: Session) -> list[ModelSummary]:
    heads_by_model: dict[str, list[str]] = {}
    for model_slug, head_name in session.execute(
        select(m.HeadModelRow.model_slug, m.HeadRow.name)
        .join(m.HeadRow, m.HeadRow.slug == m.HeadModelRow.head_slug)
        .order_by(m.HeadRow.name)
    ).all():
        heads_by_model.setdefault(model_slug, []).append(head_name)
    return [
        ModelSummary(
            **mapping.MODELS.values(r),
            head_count=len(heads_by_model.get(r.slug, [])),
            heads=heads_by_model.get(r.slug, []),
        )
        for r in session.execute(select(m.ModelRow).order_by(m.ModelRow.slug)).scalars()
    ]


def stats(*, session: Session) -> Stats:
    per_year = session.execute(select(m.PaperRow.year, func.count()).group_by(m.PaperRow.year)).all()
    per_head = session.execute(
        select(m.HeadRow.name, func.count(distinct(m.PaperHeadRow.paper_id)))
        .join(m.HeadRow, m.HeadRow.slug == m.PaperHeadRow.head_slug)
        .group_by(m.HeadRow.name)
    ).all()
    return Stats(
        papers=session.execute(select(func.count()).select_from(m.PaperRow)).scalar_one(),
        head_types=session.execute(select(func.count()).select_from(m.HeadRow)).scalar_one(),
        links=session.execute(select(func.count()).select_from(m.PaperHeadRow)).scalar_one(),
        per_year={
            str(y if y is not None else "unknown"): c
            for y, c in sorted(per_year, key=lambda x: (x[0] is None, x[0] or 0))
        },
        per_stage={s.code: s.paper_count for s in stages(session=session)},
        per_head=dict(sorted(per_head, key=lambda x: (-x[1], x[0]))),
    )


def known_papers(*, session: Session) -> list[PaperSighting]:
    """Every paper of the store as a sighting (title, ids, date, first source), one query, for the
    same-paper rule of `headkg discover`; a store of 100,000 papers reads in one pass."""
    stmt = select(
        m.PaperRow.title, m.PaperRow.arxiv_id, m.PaperRow.doi, m.PaperRow.year, m.PaperRow.date, m.PaperRow.sources
    )
    known: list[PaperSighting] = []
    for title, arxiv_id, doi, year, date, sources in session.execute(stmt):
        source = Provenance.parse(sources[0]) if sources else Provenance(file="store", line=0)
        kind = "bib" if source.file.endswith(".bib") else "readme"
        known.append(
            PaperSighting(kind=kind, title=title, arxiv_id=arxiv_id, doi=doi, year=year, date=date, source=source)
        )
    return known
