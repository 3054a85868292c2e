"""HeadKG, the one root object: open a store by URL, build it from the list, answer queries; diff
two versions of the list and add a paper to a checkout. The CLI, the HTTP API, the exporters and
the workflows all go through it."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, inspect, select
from sqlalchemy.exc import DataError, OperationalError, ProgrammingError, SQLAlchemyError
from sqlalchemy.orm import Session

from headkg.db import analysis, facts, mapping, queries, search
from headkg.db import models as m
from headkg.db.build import build_store
from headkg.db.check_change import check_change
from headkg.db.engine import make_engine, normalize_url, sqlite_path
from headkg.db.readme import readme_text
from headkg.db.snapshot import load_graph
from headkg.db.writer import Layout, WriteSummary, schema_is_current, write_graph
from headkg.ingest.check import check_list, fix_list
from headkg.ingest.check_base import check_against_revision
from headkg.ingest.listedit import add_paper
from headkg.ingest.versions import diff_versions
from headkg.ingest.vocabulary_starter import write_starter_vocabulary
from headkg.schema.analysis import ANALYSES, Comparison, Cooccurrence, Gaps, Growth, Timeline
from headkg.schema.citation import CITATION_CAP, PaperList
from headkg.schema.exceptions import InvalidRequestError, NotFoundError, StoreError
from headkg.schema.facts import PaperFacts
from headkg.schema.findings import CheckedFinding, Finding
from headkg.schema.graph import KnowledgeGraph
from headkg.schema.search import SearchResults
from headkg.schema.sightings import PaperSighting
from headkg.schema.views import (
    BenchmarkSummary,
    HeadDetail,
    HeadResolution,
    HeadSummary,
    MethodSummary,
    ModelSummary,
    PaperAlias,
    PaperDetail,
    PaperFilter,
    PaperPage,
    StageDetail,
    StageSummary,
    Stats,
)


class HeadKG:
    """A knowledge store at a SQLAlchemy URL (or a SQLite file path)."""

    def __init__(self, url: str | Path) -> None:
        self.url = normalize_url(url)
        self._engine: Engine | None = None
        self._memo: dict[tuple[str, ...], Any] = {}  # analyses of one build (see `_memoized`)

    def __repr__(self) -> str:
        return f"HeadKG({self.url.render_as_string(hide_password=True)!r})"

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = make_engine(self.url)
        return self._engine

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def __enter__(self) -> HeadKG:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- building, diffing, adding: the library functions themselves, so their signatures and
    # docstrings are the root object's -----------------------------------------------------------

    build = build_store
    """`kg.build(source, *, strict, full, progress, today)`: the store from the list (db/build.py)."""

    diff = staticmethod(diff_versions)
    """`HeadKG.diff(old, new, repo)`: two versions of the list compared (ingest/versions.py)."""

    add = staticmethod(add_paper)
    """`HeadKG.add(checkout, submission, ...)`: a new paper written into the list (ingest/listedit)."""

    @staticmethod
    def check(root: Path, *, base: str | None = None, today: dt.date | None = None) -> list[CheckedFinding]:
        """Every finding of the checkout at `root`, graded (ingest/check.py); with `base`, a git revision,
        each marked new or old, old errors as notices (ingest/check_base.py)."""
        if base is None:
            return check_list(root, today=today)
        return check_against_revision(root, base, today=today)

    init_vocabulary = staticmethod(write_starter_vocabulary)
    """`HeadKG.init_vocabulary(checkout)`: a starter .headkg/vocabulary.yaml (ingest/vocabulary_starter.py)."""

    fix = staticmethod(fix_list)
    """`HeadKG.fix(checkout, write=True)`: the mechanical fixes made in place (ingest/fixes.py)."""

    def check_change(self, root: Path, base: str, *, today: dt.date | None = None) -> list[CheckedFinding]:
        """`check(root, base=base)` with this store built from `base`: only the README sections and bib
        files that changed are read (db/check_change.py)."""
        return check_change(self, root, base, today=today)

    # -- writing -------------------------------------------------------------------------------

    def write(
        self,
        graph: KnowledgeGraph,
        meta: dict[str, str] | None = None,
        cache: Mapping[str, str] | None = None,
        layout: Layout | None = None,
        *,
        incremental: bool = False,
    ) -> WriteSummary:
        """Bring the store to `graph`, atomically: replacing its content, or (`incremental`, over an
        existing store) rewriting only the papers that changed."""
        incremental = incremental and self.exists()
        self.close()  # a SQLite file may be swapped underneath: drop pooled connections to the old one
        try:
            return write_graph(self.url, graph, dict(meta or {}), cache, layout, incremental=incremental)
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot write the store: {exc.__class__.__name__}: {exc.orig or exc}") from exc

    def parse_cache(self) -> dict[str, str]:
        """Parse results kept by the last build (empty when there is no store of this schema)."""
        if not self.exists():
            return {}
        try:
            with self.engine.connect() as conn:
                if not schema_is_current(conn):
                    return {}
                return dict(conn.execute(select(m.ParseCacheRow.key, m.ParseCacheRow.payload)).all())
        except SQLAlchemyError:
            return {}

    # -- reading -------------------------------------------------------------------------------

    def exists(self) -> bool:
        """True when a build has written this store."""
        path = sqlite_path(self.url)
        if path is not None and not path.exists():
            return False
        try:
            with self.engine.connect() as conn:
                return inspect(conn).has_table(m.PaperRow.__tablename__)
        except SQLAlchemyError:
            return False

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A read session; a missing store is a StoreError that says to build first."""
        if not self.exists():
            raise StoreError(f"no store at {self.url.render_as_string(hide_password=True)}; run `headkg build` first")
        with Session(self.engine) as session:
            try:
                yield session
            except DataError as exc:  # e.g. PostgreSQL refuses a NUL inside a text parameter
                raise InvalidRequestError(f"the store cannot take this value: {exc.orig or exc}") from exc
            except (OperationalError, ProgrammingError) as exc:
                raise StoreError(f"the store could not answer: {exc.orig or exc}") from exc

    def meta(self) -> dict[str, str]:
        with self.session() as s:
            return dict(s.execute(select(m.MetaRow.key, m.MetaRow.value)).all())

    def papers(
        self,
        filters: PaperFilter | None = None,
        *,
        sort: str | None = None,
        limit: int | None = None,
        offset: int = 0,
        facets: bool = False,
        **filter_args: Any,
    ) -> PaperPage:
        """Papers passing the filters: `kg.papers(head=["induction", "previous token"])`; by relevance
        when `q` is given and `sort` is not, else by `sort` (date when None)."""
        filters = filters or PaperFilter(**filter_args)
        with self.session() as s:
            return queries.papers(filters, session=s, sort=sort, limit=limit, offset=offset, facets=facets)

    def paper(self, paper_id: str) -> PaperDetail:
        """A paper by any id it answers to (a former id too), with the list's line behind each of its
        head types (`head_links`); `.id` is its current id."""
        with self.session() as s:
            return queries.paper(paper_id, session=s)

    def paper_facts(self, paper_id: str) -> PaperFacts:
        """A paper with its head types, methods and benchmarks, each with the file:line that links it."""
        with self.session() as s:
            return facts.paper_facts(paper_id, session=s)

    def search(self, q: str, *, limit: int = 10, offset: int = 0) -> SearchResults:
        """What a search box finds for `q`: the head type it names, resembling names, matching papers."""
        with self.session() as s:
            return search.search(q, session=s, limit=limit, offset=offset)

    def resolve_paper_id(self, paper_id: str) -> str:
        """The current id of the paper `paper_id` names (NotFoundError if none)."""
        with self.session() as s:
            return queries.resolve_paper_id(paper_id, session=s)

    def paper_aliases(self) -> list[PaperAlias]:
        """Every other id the store's papers answer to (former ids, other id forms)."""
        with self.session() as s:
            return queries.paper_aliases(session=s)

    def heads(self, stage: str | None = None) -> list[HeadSummary]:
        with self.session() as s:
            return queries.head_summaries(session=s, stage=stage)

    def head(self, name_or_slug: str) -> HeadDetail:
        with self.session() as s:
            return queries.head(name_or_slug, session=s)

    def resolve_head(self, name: str) -> HeadResolution:
        with self.session() as s:
            return queries.resolve_head(name, session=s)

    def stages(self) -> list[StageSummary]:
        with self.session() as s:
            return queries.stages(session=s)

    def stage(self, code: str) -> StageDetail:
        with self.session() as s:
            return queries.stage(code, session=s)

    def methods(self) -> list[MethodSummary]:
        with self.session() as s:
            return queries.methods(session=s)

    def benchmarks(self) -> list[BenchmarkSummary]:
        with self.session() as s:
            return queries.benchmarks(session=s)

    def models(self) -> list[ModelSummary]:
        with self.session() as s:
            return queries.models(session=s)

    def stats(self) -> Stats:
        with self.session() as s:
            return queries.stats(session=s)

    def graph(self) -> KnowledgeGraph:
        """The whole store as records (papers, heads, links...), for export and diffs."""
        with self.session() as s:
            return load_graph(session=s)

    def known_papers(self) -> list[PaperSighting]:
        """Every paper of the store with its title, ids, date and first source: what `discover`
        compares arXiv's results with."""
        with self.session() as s:
            return queries.known_papers(session=s)

    # -- the field as a whole (db/analysis.py) -------------------------------------------------------

    def paper_list(
        self,
        filters: PaperFilter | None = None,
        *,
        sort: str | None = None,
        cap: int | None = CITATION_CAP,
        limit: int | None = None,
        offset: int = 0,
        **filter_args: Any,
    ) -> PaperList:
        """Every paper passing the filters (or `limit` of them from `offset`), with its bib entry (for
        citations); refused over `cap`."""
        filters = filters or PaperFilter(**filter_args)
        with self.session() as s:
            return analysis.paper_list(filters, session=s, sort=sort, cap=cap, limit=limit, offset=offset)

    def cited(self, paper_ids: list[str]) -> PaperList:
        """These papers, in this order, with their bib entries: `kg.cited(["arxiv-2404.15574"])`."""
        with self.session() as s:
            return analysis.papers_by_id(paper_ids, session=s)

    def comparison(self, head: str, filters: PaperFilter | None = None, **filter_args: Any) -> Comparison:
        """The papers that found `head`, side by side: `kg.comparison("retrieval heads")`."""
        filters = filters or PaperFilter(**filter_args)
        return self._memoized("comparison", head, filters, lambda s: analysis.comparison(head, filters, session=s))

    def timeline(self, filters: PaperFilter | None = None, **filter_args: Any) -> Timeline:
        """Every head type that has a paper, in order of its first report."""
        return self.analysis("timeline", filters, **filter_args)  # type: ignore[return-value]

    def cooccurrence(self, filters: PaperFilter | None = None, **filter_args: Any) -> Cooccurrence:
        """Head type × head type: papers that found both."""
        return self.analysis("cooccurrence", filters, **filter_args)  # type: ignore[return-value]

    def gaps(self, filters: PaperFilter | None = None, **filter_args: Any) -> Gaps:
        """Head type × model family per the survey's taxonomy, with paper counts per head type."""
        return self.analysis("gaps", filters, **filter_args)  # type: ignore[return-value]

    def growth(self, filters: PaperFilter | None = None, **filter_args: Any) -> Growth:
        """Papers per year × stage and per year × head type (the most reported ones)."""
        return self.analysis("growth", filters, **filter_args)  # type: ignore[return-value]

    def analysis(
        self, name: str, filters: PaperFilter | None = None, **filter_args: Any
    ) -> Timeline | Cooccurrence | Gaps | Growth:
        """One analysis by name (`ANALYSES`), over the papers passing the filters."""
        if name not in ANALYSES:
            raise NotFoundError(f"no analysis '{name}'; analyses are {', '.join(ANALYSES)}", list(ANALYSES))
        filters = filters or PaperFilter(**filter_args)
        compute = getattr(analysis, name)
        return self._memoized(name, "", filters, lambda s: compute(filters, session=s))  # type: ignore[no-any-return]

    def _memoized(self, name: str, arg: str, filters: PaperFilter, compute: Callable[[Session], Any]) -> Any:
        """`compute`'s answer, kept until the store is rebuilt: analyses only change with the build.

        The key holds the build's meta rows (input fingerprint, source...); a store written without
        them (tests, library use) is never memoized.
        """
        with self.session() as s:
            meta = tuple(sorted((k, v) for k, v in s.execute(select(m.MetaRow.key, m.MetaRow.value))))
            if not any(k == "input_fingerprint" for k, _ in meta):
                return compute(s)
            key = (name, arg, filters.model_dump_json(), hashlib.sha256(repr(meta).encode()).hexdigest())
            if key not in self._memo:
                if len(self._memo) >= 256:
                    self._memo.pop(next(iter(self._memo)))
                self._memo[key] = compute(s)
        return self._memo[key].model_copy(deep=True)

    def readme(self) -> Iterator[str]:
        """The list's README written back from the store, in pieces (`headkg render`): each row from its
        facts and layout, the text around the rows as it was (db/readme.py)."""
        with self.session() as s:
            yield from readme_text(session=s)

    def findings(self) -> list[Finding]:
        with self.session() as s:
            rows = s.execute(select(m.FindingRow).order_by(m.FindingRow.id)).scalars()
            return [mapping.FINDINGS.record(r) for r in rows]
