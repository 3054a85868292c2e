"""One search over the store for a search box: head types by the forgiving head resolver, methods,
benchmarks, model families and stages by fuzzy name (rapidfuzz, small vocabularies), authors by
words, papers by `PaperFilter.q` (the full-text search of db/fulltext.py, best first). The
explorer's search page and its suggestions both call `search`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rapidfuzz import fuzz, process, utils
from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from headkg.db import models as m
from headkg.db.queries import _escape_like, head_index, head_summaries, papers
from headkg.schema.search import HitKind, SearchHit, SearchResults
from headkg.schema.views import PaperFilter, PaperPage

NAME_CUTOFF = 75.0  # rapidfuzz WRatio: "activation patching" ~ "Naïve Activation Patching" scores 90
HEAD_CUTOFF = 70.0
MAX_HITS_PER_KIND = 5
PAPER_SORT = None  # by relevance (db/fulltext.py)


def search(q: str, *, session: Session, limit: int = 10, offset: int = 0) -> SearchResults:
    """Everything `q` names or resembles; `limit`/`offset` page the papers."""
    words = " ".join(q.split())
    index = head_index(session=session)
    slug = index.resolve(words) if words else None
    head = head_summaries(session=session, slugs=[slug])[0] if slug else None
    hits: list[SearchHit] = []
    if len(words) >= 2:
        suggested = [s for s in index.suggest(words, limit=MAX_HITS_PER_KIND, cutoff=HEAD_CUTOFF) if s.slug != slug]
        scores = {s.slug: s.score for s in suggested}
        hits += [
            SearchHit(
                kind="head", key=h.slug, label=h.name, detail=h.stage or "", papers=h.paper_count, score=scores[h.slug]
            )
            for h in head_summaries(session=session, slugs=list(scores))
        ]
        hits += _vocabulary_hits(words, session=session)
        hits += _author_hits(words, session=session)
    hits.sort(key=lambda h: (-h.score, -h.papers, h.label))
    return SearchResults(query=words, head=head, hits=hits, papers=_papers(words, session, limit, offset))


def _papers(words: str, session: Session, limit: int, offset: int) -> PaperPage:
    if not words:
        return PaperPage(total=0, limit=limit, offset=offset, items=[])
    return papers(PaperFilter(q=words), session=session, sort=PAPER_SORT, limit=limit, offset=offset)


def _counts(slug_column: Any, paper_column: Any, *, session: Session) -> dict[str, int]:
    stmt = select(slug_column, func.count(distinct(paper_column))).group_by(slug_column)
    return dict(session.execute(stmt).all())


def _closest(
    kind: HitKind,
    words: str,
    names: Iterable[tuple[str, str, str, int]],
    *,
    aliases: dict[str, list[str]] | None = None,
) -> list[SearchHit]:
    """Hits among (key, label, detail, papers) whose label (or an alias) resembles `words`."""
    rows = {key: (label, detail, count) for key, label, detail, count in names}
    choices = [(key, label) for key, (label, _, _) in rows.items()]
    choices += [(key, alias) for key, spelled in (aliases or {}).items() for alias in spelled]
    found = process.extract(
        words,
        [label for _, label in choices],
        scorer=fuzz.WRatio,
        processor=utils.default_process,
        score_cutoff=NAME_CUTOFF,
        limit=MAX_HITS_PER_KIND * 2,
    )
    best: dict[str, float] = {}
    for _, score, position in found:
        key = choices[position][0]
        best[key] = max(best.get(key, 0.0), round(float(score), 1))
    return [
        SearchHit(kind=kind, key=key, label=rows[key][0], detail=rows[key][1], papers=rows[key][2], score=score)
        for key, score in sorted(best.items(), key=lambda x: -x[1])[:MAX_HITS_PER_KIND]
    ]


def _vocabulary_hits(words: str, *, session: Session) -> list[SearchHit]:
    method_papers = _counts(m.PaperMethodRow.method_slug, m.PaperMethodRow.paper_id, session=session)
    bench_papers = _counts(m.PaperBenchmarkRow.benchmark_slug, m.PaperBenchmarkRow.paper_id, session=session)
    methods = session.execute(select(m.MethodRow.slug, m.MethodRow.name, m.MethodRow.family)).all()
    benches = session.execute(select(m.BenchmarkRow.slug, m.BenchmarkRow.name, m.BenchmarkRow.category)).all()
    models = session.execute(select(m.ModelRow.slug, m.ModelRow.name, m.ModelRow.aliases)).all()
    stages = session.execute(select(m.StageRow.code, m.StageRow.name)).all()
    return [
        *_closest("method", words, ((s, n, f, method_papers.get(s, 0)) for s, n, f in methods)),
        *_closest("benchmark", words, ((s, n, c, bench_papers.get(s, 0)) for s, n, c in benches)),
        *_closest("model", words, ((s, n, "", 0) for s, n, _ in models), aliases={s: a or [] for s, _, a in models}),
        *_closest("stage", words, ((c, n, c, 0) for c, n in stages), aliases={c: [c] for c, _ in stages}),
    ]


def _resemblance(words: str, name: str) -> float:
    return round(float(fuzz.WRatio(words, name, processor=utils.default_process)), 1)


def _author_hits(words: str, *, session: Session) -> list[SearchHit]:
    """Authors whose name holds every word (any case), most prolific first."""
    stmt = (
        select(m.AuthorRow.name, func.count(distinct(m.PaperAuthorRow.paper_id)).label("n"))
        .join(m.PaperAuthorRow, m.PaperAuthorRow.author_slug == m.AuthorRow.slug)
        .group_by(m.AuthorRow.slug, m.AuthorRow.name)
        .order_by(func.count(distinct(m.PaperAuthorRow.paper_id)).desc(), m.AuthorRow.name)
        .limit(MAX_HITS_PER_KIND)
    )
    for word in words.casefold().split():
        stmt = stmt.where(func.lower(m.AuthorRow.name).like(f"%{_escape_like(word)}%", escape="\\"))
    return [
        SearchHit(kind="author", key=name, label=name, papers=count, score=_resemblance(words, name))
        for name, count in session.execute(stmt).all()
    ]
