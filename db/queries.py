"""Every read query of the store. Functions take a `Session` keyword-only and return the view
models of schema/views.py; a list request is a fixed number of queries whatever its size."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Select, String, cast, distinct, func, literal, select, union_all
from sqlalchemy.orm import Session

from headkg.db import fulltext, mapping
from headkg.db import models as m
from headkg.ingest.taxonomy import FIGURE as TAXONOMY_FIGURE
from headkg.schema.exceptions import InvalidRequestError, NotFoundError
from headkg.schema.names import Lookup, NameIndex
from headkg.schema.provenance import Provenance
from headkg.schema.sightings import PaperSighting
from headkg.schema.views import (
    VOCABULARY_FILTERS,
    BenchmarkSummary,
    Candidate,
    Facets,
    FirstReport,
    HeadDetail,
    HeadLink,
    HeadResolution,
    HeadSummary,
    MethodSummary,
    ModelSummary,
    PaperAlias,
    PaperDetail,
    PaperFilter,
    PaperPage,
    PaperRef,
    PaperView,
    StageDetail,
    StageSummary,
    Stats,
)

SortKey = Literal["relevance", "date", "-date", "title", "-title"]
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


def check_sort(sort: str | None) -> None:
    if sort is not None and sort != "relevance" and sort not in SORTS:
        raise InvalidRequestError(f"unknown sort '{sort}'; use one of relevance, {', '.join(SORTS)}")


# -- names: one forgiving resolver (NameIndex.lookup) for every vocabulary ----------------------------

Kind = Literal["head", "stage", "method", "benchmark", "model", "topic"]
LABELS: dict[str, str] = {
    "head": "head type",
    "stage": "stage",
    "method": "method",
    "benchmark": "benchmark",
    "model": "model family",
    "topic": "topic",
}


def _spellings(kind: str, *, session: Session) -> tuple[list[tuple[str, str]], dict[str, str]]:
    """Every (spelling, slug) of a vocabulary and each slug's display name (a few hundred rows at most)."""
    if kind == "head":
        names = dict(session.execute(select(m.HeadRow.slug, m.HeadRow.name)).all())
        spellings = session.execute(select(m.HeadAliasRow.spelling, m.HeadAliasRow.head_slug)).all()
        return [(spelling, slug) for spelling, slug in spellings], names
    if kind == "stage":
        rows = session.execute(select(m.StageRow.code, m.StageRow.name).order_by(m.StageRow.position)).all()
        return [(x, code) for code, name in rows for x in (code, name)], {code: code for code, _ in rows}
    if kind == "topic":
        topics = session.execute(select(m.TopicRow.name)).scalars().all()
        return [(t, t) for t in topics], {t: t for t in topics}
    table = {"method": m.MethodRow, "benchmark": m.BenchmarkRow, "model": m.ModelRow}[kind]
    rows = session.execute(select(table)).scalars().all()
    aliases = {r.slug: list(getattr(r, "aliases", None) or []) for r in rows}
    return [(x, r.slug) for r in rows for x in (r.slug, r.name, *aliases[r.slug])], {r.slug: r.name for r in rows}


def name_index(kind: str, *, session: Session) -> NameIndex:
    """The vocabulary `kind` (head, stage, method, benchmark, model, topic) as a NameIndex."""
    spellings, names = _spellings(kind, session=session)
    return NameIndex(spellings, names)


def head_index(*, session: Session) -> NameIndex:
    """Every spelling of every head type in the store."""
    return name_index("head", session=session)


def lookup(kind: str, name: str, *, session: Session) -> Lookup:
    return name_index(kind, session=session).lookup(name)


def resolve_name(kind: str, name: str, *, session: Session) -> str:
    """The slug (a stage's code, a topic's name) a user means by `name` in vocabulary `kind`; a
    NotFoundError with the tied or closest names as suggestions when there is no one answer."""
    found = lookup(kind, name, session=session)
    if found.slug is not None:
        return found.slug
    label = LABELS[kind]
    names = [c.name for c in found.candidates]
    if found.how == "ambiguous":
        raise NotFoundError(f"'{name}' could be more than one {label}: {', '.join(names)}; say which", names)
    raise NotFoundError(f"no {label} matches '{name}'", names)


def resolve_names(kind: str, names: Sequence[str], *, session: Session) -> list[str]:
    """Each name's slug, in order, each slug once."""
    if not names:
        return []
    index = name_index(kind, session=session)
    slugs: list[str] = []
    for name in names:
        found = index.lookup(name)
        if found.slug is None:
            return [resolve_name(kind, name, session=session)]  # raises, with the suggestions
        slugs.append(found.slug)
    return list(dict.fromkeys(slugs))


def resolve_head(name: str, *, session: Session) -> HeadResolution:
    """The head type a user means by `name` (alias, any case, plural, typo, word subset) or candidates."""
    found = lookup("head", name, session=session)
    if found.slug:
        return HeadResolution(query=name, head=head_summaries(session=session, slugs=[found.slug])[0])
    candidates = [Candidate(slug=c.slug, name=c.name, score=c.score) for c in found.candidates]
    return HeadResolution(query=name, candidates=candidates)


def head_slug_for(name: str, *, session: Session) -> str:
    """A head filter's slug, or NotFoundError carrying suggestions."""
    return resolve_name("head", name, session=session)


def stage_code_for(code: str, *, session: Session) -> str:
    """A stage by code or name, any case: 'lr', 'Latent Reasoning', 'reasoning' -> 'LR'."""
    return resolve_name("stage", code, session=session)


# -- filters ------------------------------------------------------------------------------------------


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _papers_linked(kind: str, slugs: list[str]) -> Select[Any]:
    """The ids of the papers linked to any of `slugs` in vocabulary `kind` (indexed lookups)."""
    if kind == "head":
        return select(m.PaperHeadRow.paper_id).where(m.PaperHeadRow.head_slug.in_(slugs))
    if kind == "stage":
        return (
            select(m.PaperHeadRow.paper_id)
            .join(m.HeadRow, m.HeadRow.slug == m.PaperHeadRow.head_slug)
            .where(m.HeadRow.stage_code.in_(slugs))
        )
    if kind == "method":
        return select(m.PaperMethodRow.paper_id).where(m.PaperMethodRow.method_slug.in_(slugs))
    if kind == "benchmark":
        return select(m.PaperBenchmarkRow.paper_id).where(m.PaperBenchmarkRow.benchmark_slug.in_(slugs))
    if kind == "topic":
        return select(m.PaperTopicRow.paper_id).where(m.PaperTopicRow.topic.in_(slugs))
    # model: the paper found a head type the survey saw in that family, and the survey's taxonomy
    # cites the paper for that head type (the families belong to head types, not to papers)
    return (
        select(m.PaperHeadRow.paper_id)
        .join(m.HeadModelRow, m.HeadModelRow.head_slug == m.PaperHeadRow.head_slug)
        .where(m.HeadModelRow.model_slug.in_(slugs), m.PaperHeadRow.file == m.HeadModelRow.file)
    )


def _vocabulary_conditions(filters: PaperFilter, *, session: Session) -> list[Any]:
    conditions = []
    for kind in VOCABULARY_FILTERS:
        slugs = resolve_names(kind, getattr(filters, kind), session=session)
        if kind == "head" and filters.head_mode == "any" and slugs:
            conditions.append(m.PaperRow.id.in_(_papers_linked(kind, slugs)))
        else:
            conditions += [m.PaperRow.id.in_(_papers_linked(kind, [slug])) for slug in slugs]
    return conditions


def text_match(q: str | None, *, session: Session) -> fulltext.Match | None:
    """The papers `q` finds (db/fulltext.py), a paper id typed into it included."""
    if not q or not q.strip():
        return None
    token = q.strip()
    paper_id = None
    if "-" in token and not any(ch.isspace() for ch in token):
        paper_id = resolve_paper_ids([token], session=session).get(token)
    return fulltext.match(q, session=session, paper_id=paper_id)


def paper_conditions(filters: PaperFilter, *, session: Session) -> list[Any]:
    """The conditions on `papers` of every filter but `q` (indexed lookups; see `text_match`)."""
    conditions: list[Any] = []
    if filters.ids:
        current = resolve_paper_ids(filters.ids, session=session)
        for missing in (pid for pid in filters.ids if pid not in current):
            resolve_paper_id(missing, session=session)  # raises NotFoundError with close ids
        conditions.append(m.PaperRow.id.in_(sorted(set(current.values()))))
    conditions += _vocabulary_conditions(filters, session=session)
    if filters.has_heads is not None:
        reported = select(m.PaperHeadRow.paper_id).where(m.PaperHeadRow.paper_id == m.PaperRow.id).exists()
        conditions.append(reported if filters.has_heads else ~reported)
    if filters.year_from is not None:
        conditions.append(m.PaperRow.year >= filters.year_from)
    if filters.year_to is not None:
        conditions.append(m.PaperRow.year <= filters.year_to)
    return conditions


@dataclass(frozen=True)
class Selection:
    """A query's papers: `ids` (every match, for counts and facets) and `ranked_ids`, the same ids in
    the order asked, to page through (sorting ids, not whole rows). By relevance, the order joins
    the full-text ranks instead of filtering on the match a second time."""

    ids: Select[Any]
    ranked_ids: Select[Any]
    reversed_ids: Select[Any] | None = None  # the exact reverse order (none by relevance)


def selection(filters: PaperFilter, *, session: Session, sort: str | None = None) -> Selection:
    """The papers passing every filter; by relevance when there is a `q` and `sort` is None or
    "relevance", else by `sort` (date when None)."""
    check_sort(sort)
    found = text_match(filters.q, session=session)
    conditions = paper_conditions(filters, session=session)
    text = [found.condition()] if found else []
    ids = select(m.PaperRow.id).where(*conditions, *text)
    if found is not None and sort in (None, "relevance"):
        ranked = found.order(select(m.PaperRow.id).where(*conditions)).order_by(*SORTS["date"])
        return Selection(ids=ids, ranked_ids=ranked)
    key = sort if sort in SORTS else "date"
    return Selection(ids=ids, ranked_ids=ids.order_by(*SORTS[key]), reversed_ids=ids.order_by(*REVERSED[key]))


def filtered_ids(filters: PaperFilter, *, session: Session) -> Select[Any]:
    """A subquery of the ids of the papers that pass every filter, `q` included."""
    return selection(filters, session=session).ids


def rows_in_order(paper_ids: list[str], *, session: Session) -> list[m.PaperRow]:
    """The rows of these papers, in this order (chunked: a whole export may hold many)."""
    rows: dict[str, m.PaperRow] = {}
    for start in range(0, len(paper_ids), 5000):
        chunk = paper_ids[start : start + 5000]
        rows.update({r.id: r for r in session.execute(select(m.PaperRow).where(m.PaperRow.id.in_(chunk))).scalars()})
    return [rows[paper_id] for paper_id in paper_ids]


def _view(row: m.PaperRow) -> PaperView:
    return PaperView(**mapping.PAPERS.values(row))


def papers(
    filters: PaperFilter,
    *,
    session: Session,
    sort: str | None = None,
    limit: int | None = None,
    offset: int = 0,
    facets: bool = False,
    counted: tuple[int, Facets] | None = None,
) -> PaperPage:
    """A page of papers (all when `limit` is None), the filtered total and optional facets; by
    relevance when `filters.q` is given and `sort` is not (see `selection`). `counted` is the
    (total, facets) of `paper_counts` for these filters when the caller kept them: they do not
    depend on the page or the order."""
    if offset < 0 or (limit is not None and limit < 0):
        raise InvalidRequestError("limit and offset must not be negative")
    chosen = selection(filters, session=session, sort=sort)
    if counted is not None:
        total = counted[0]
    else:
        total = session.execute(select(func.count()).select_from(chosen.ids.subquery())).scalar_one()
    # Sort and cut the ids alone, then load the page's rows: sorting whole rows (summaries, JSON)
    # of a large result costs several times more than sorting their ids.
    stmt, skip, take = chosen.ranked_ids, offset, limit
    backwards = limit is not None and chosen.reversed_ids is not None and offset > total // 2
    if backwards:  # past the middle, read from the other end: the last page costs what the first does
        assert chosen.reversed_ids is not None and limit is not None
        stmt, skip, take = chosen.reversed_ids, max(total - offset - limit, 0), max(min(limit, total - offset), 0)
    stmt = stmt.offset(skip)
    if take is not None:
        stmt = stmt.limit(take)
    page_ids = list(session.execute(stmt).scalars())
    if backwards:
        page_ids.reverse()
    items = [_view(row) for row in rows_in_order(page_ids, session=session)]
    page = PaperPage(total=total, limit=limit if limit is not None else total, offset=offset, items=items)
    if facets:
        page.facets = counted[1] if counted is not None else paper_facets(chosen.ids, session=session)
    return page


def paper_counts(filters: PaperFilter, *, session: Session) -> tuple[int, Facets]:
    """The total and the facets of the papers passing the filters (whatever the page and order)."""
    ids = selection(filters, session=session).ids
    total = session.execute(select(func.count()).select_from(ids.subquery())).scalar_one()
    return total, paper_facets(ids, session=session, everything=filters == PaperFilter())


def _counts(facet: str, name: Any, link: Any, ids: Any, *joins: tuple[Any, Any], where: Any = None) -> Select[Any]:
    """(facet, name, papers): the distinct papers of `ids` (None: every paper) per `name`, over a link table."""
    paper_id = link.paper_id
    stmt = select(literal(facet).label("facet"), cast(name, String).label("key"), func.count(distinct(paper_id)))
    stmt = stmt.select_from(link)
    for target, on in joins:
        stmt = stmt.join(target, on)
    if ids is not None:
        stmt = stmt.where(paper_id.in_(select(ids.c.id)))
    if where is not None:
        stmt = stmt.where(where)
    return stmt.group_by(name)


def _by_count(rows: list[tuple[str, int]]) -> dict[str, int]:
    return dict(sorted(rows, key=lambda x: (-x[1], x[0])))


def paper_facets(ids: Select[Any], *, session: Session, everything: bool = False) -> Facets:
    """Counts over the whole filtered set, not just the page: one statement, in which the set is
    worked out once (a CTE read by every facet) and grouped per facet. `everything`: `ids` are all
    the papers, so the link tables are counted without looking each paper up in the set (every
    link's paper is in the store: a foreign key)."""
    ph = m.PaperHeadRow
    on_head = (m.HeadRow, m.HeadRow.slug == ph.head_slug)
    kept = None if everything else ids.cte("kept")
    in_kept = [] if kept is None else [m.PaperRow.id.in_(select(kept.c.id))]
    facets = union_all(
        _counts("heads", m.HeadRow.name, ph, kept, on_head),
        _counts("stages", m.HeadRow.stage_code, ph, kept, on_head, where=m.HeadRow.stage_code.is_not(None)),
        _counts(
            "methods",
            m.MethodRow.name,
            m.PaperMethodRow,
            kept,
            (m.MethodRow, m.MethodRow.slug == m.PaperMethodRow.method_slug),
        ),
        _counts(
            "benchmarks",
            m.BenchmarkRow.name,
            m.PaperBenchmarkRow,
            kept,
            (m.BenchmarkRow, m.BenchmarkRow.slug == m.PaperBenchmarkRow.benchmark_slug),
        ),
        _counts(
            "models",
            m.ModelRow.name,
            ph,
            kept,
            (m.HeadModelRow, (m.HeadModelRow.head_slug == ph.head_slug) & (m.HeadModelRow.file == ph.file)),
            (m.ModelRow, m.ModelRow.slug == m.HeadModelRow.model_slug),
        ),
        _counts("topics", m.PaperTopicRow.topic, m.PaperTopicRow, kept),
        select(literal("years"), cast(m.PaperRow.year, String), func.count()).where(*in_kept).group_by(m.PaperRow.year),
    )
    counted: dict[str, list[tuple[str, int]]] = {}
    for facet, key, count in session.execute(facets).all():
        counted.setdefault(facet, []).append((key, count))
    years = sorted(counted.get("years", []), key=lambda x: (x[0] is None, int(x[0]) if x[0] is not None else 0))
    return Facets(
        heads=_by_count(counted.get("heads", [])),
        stages=dict(sorted(counted.get("stages", []))),
        years={key if key is not None else "unknown": count for key, count in years},
        methods=_by_count(counted.get("methods", [])),
        benchmarks=_by_count(counted.get("benchmarks", [])),
        models=_by_count(counted.get("models", [])),
        topics=_by_count(counted.get("topics", [])),
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


def paper(paper_id: str, *, session: Session) -> PaperDetail:
    """One paper by any id it answers to, with the line of the list behind each of its head types;
    the view carries its current id."""
    row = session.get(m.PaperRow, resolve_paper_id(paper_id, session=session))
    if row is None:  # cannot happen: an alias points at a paper (foreign key)
        raise NotFoundError(f"no paper with id '{paper_id}'")
    return PaperDetail(**mapping.PAPERS.values(row), head_links=head_links(row.id, session=session))


def head_links(paper_id: str, *, session: Session) -> list[HeadLink]:
    """Every line of the list that says this paper found a head type, in file and line order."""
    ph = m.PaperHeadRow
    rows = session.execute(
        select(m.HeadRow.name, ph.head_slug, ph.file, ph.line, ph.as_written, ph.qualifier)
        .join(m.HeadRow, m.HeadRow.slug == ph.head_slug)
        .where(ph.paper_id == paper_id)
        .order_by(ph.file, ph.line, m.HeadRow.name)
    ).all()
    return [
        HeadLink(name=n, slug=slug, file=file, line=line, as_written=written, qualifier=qualifier)
        for n, slug, file, line, written, qualifier in rows
    ]


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
    defined_at = next((s for s in row.sources or () if s.startswith(f"{TAXONOMY_FIGURE}:")), None)
    return HeadSummary(
        **{k: values[k] for k in HeadSummary.model_fields if k in values}, paper_count=count, defined_at=defined_at
    )


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


def head(name_or_slug: str, *, session: Session, papers: int | None = None) -> HeadDetail:
    """A head type by slug or any spelling, with its earliest `papers` papers (all when None) and
    the earliest report among all of them; each an indexed query, whatever the number of papers."""
    row = session.get(m.HeadRow, name_or_slug)
    if row is None:
        resolution = resolve_head(name_or_slug, session=session)
        if resolution.head is None:
            raise NotFoundError(f"no head type '{name_or_slug}'", [c.name for c in resolution.candidates])
        row = session.get(m.HeadRow, resolution.head.slug)
        assert row is not None
    linked = m.PaperRow.id.in_(select(m.PaperHeadRow.paper_id).where(m.PaperHeadRow.head_slug == row.slug))
    total = session.execute(
        select(func.count(distinct(m.PaperHeadRow.paper_id))).where(m.PaperHeadRow.head_slug == row.slug)
    ).scalar_one()
    listed = _paper_refs_where(linked)
    refs = _refs(listed if papers is None else listed.limit(papers), session=session)
    first = _first_report(linked, session=session)
    return HeadDetail(
        **_summary(row, total).model_dump(),
        description=row.description,
        features=mapping.head_features(row),
        papers=refs,
        papers_url=f"/papers?head={row.slug}",
        first_reported=FirstReport(date=first.date, year=first.year, paper=first) if first else None,
        sources=row.sources or [],
    )


def _first_report(condition: Any, *, session: Session) -> PaperRef | None:
    """The earliest paper by `PaperRef.chronology` (a paper known only by its year counts from the
    year's last day): the earliest dated paper and the earliest paper with a year alone, compared."""
    p = m.PaperRow
    columns = (p.id, p.title, p.date, p.year)
    by_date = select(*columns).where(condition, p.date.is_not(None)).order_by(p.date, p.id).limit(1)
    by_year = select(*columns).where(condition, p.date.is_(None), p.year.is_not(None)).order_by(p.year, p.id).limit(1)
    found = _refs(by_date, session=session) + _refs(by_year, session=session)
    return min(found, key=PaperRef.chronology) if found else None


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
    pairs = select(m.PaperHeadRow.paper_id, m.PaperHeadRow.head_slug).distinct().subquery()
    return Stats(
        papers=session.execute(select(func.count()).select_from(m.PaperRow)).scalar_one(),
        papers_with_heads=session.execute(select(func.count(distinct(m.PaperHeadRow.paper_id)))).scalar_one(),
        head_types=session.execute(select(func.count()).select_from(m.HeadRow)).scalar_one(),
        paper_head_pairs=session.execute(select(func.count()).select_from(pairs)).scalar_one(),
        head_sightings=session.execute(select(func.count()).select_from(m.PaperHeadRow)).scalar_one(),
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
