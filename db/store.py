"""HeadKG, the one root object: open a store by URL, build it from the list, answer queries; diff
two versions of the list and add a paper to a checkout. The CLI, the HTTP API, the exporters and
the workflows all go through it."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import importlib
import threading
from collections.abc import Callable, Hashable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Connection, Engine, select
from sqlalchemy.exc import DatabaseError, DataError, DBAPIError, OperationalError, ProgrammingError, SQLAlchemyError
from sqlalchemy.orm import Session

from headkg.db import facts, mapping, queries, search
from headkg.db import models as m
from headkg.db.build import build_store
from headkg.db.engine import make_engine, normalize_url, pg_schema, shown, sqlite_path
from headkg.db.generation import GenerationWatch
from headkg.db.graph_rows import GraphCut, GraphRows
from headkg.db.lock import DEFAULT_LOCK_TIMEOUT, build_lock, check_writable
from headkg.db.snapshot import load_graph
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
    Facets,
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

if TYPE_CHECKING:
    from headkg.db.writer import Layout, WriteSummary

MEMO_SIZE = 256
_STATE_KEYS = ("generation", "schema_version", "input_fingerprint")
T = TypeVar("T")


@contextmanager
def _answering(session: Session) -> Iterator[None]:
    """Database errors while answering as library errors: a value the store refuses, a store that fails."""
    try:
        yield
    except DataError as exc:  # e.g. PostgreSQL refuses a NUL inside a text parameter
        raise InvalidRequestError(f"the store cannot take this value: {exc.orig or exc}") from exc
    except DBAPIError as exc:  # the store failed, or refused a write (the server's store is read-only)
        raise StoreError(f"the store could not answer: {_first_line(exc)}") from exc


class _Library:
    """A library function as a static method of the root object (the function itself: its signature
    and docstring), imported on first use: "module:function"."""

    def __init__(self, target: str) -> None:
        self.target = target

    def __get__(self, instance: object, owner: type | None = None) -> Callable[..., Any]:
        module, name = self.target.split(":")
        return getattr(importlib.import_module(module), name)  # type: ignore[no-any-return]


def _analysis() -> ModuleType:
    """db/analysis.py, imported when an analysis is first asked for (see `HeadKG.build`'s note)."""
    from headkg.db import analysis

    return analysis


def _first_line(exc: Exception) -> str:
    lines = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def _missing_table(exc: Exception) -> bool:
    text = str(getattr(exc, "orig", None) or exc)
    return "no such table" in text or ("relation" in text and "does not exist" in text)


class HeadKG:
    """A knowledge store at a SQLAlchemy URL (or a SQLite file path).

    `read_only` opens it as the server does (no statement can write); `schema` is the PostgreSQL
    schema when the URL names none (default `headkg`, db/engine.py); `lock_timeout` is how long a
    build waits for another build of the same store (db/lock.py).
    """

    def __init__(
        self,
        url: str | Path,
        *,
        read_only: bool = False,
        schema: str | None = None,
        lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
    ) -> None:
        self.url = normalize_url(url)
        self.schema = pg_schema(self.url, schema)
        self.read_only = read_only
        self.lock_timeout = lock_timeout
        self._engine: Engine | None = None
        self._memo: dict[str, dict[tuple[str, Hashable], Any]] = {}  # kind -> answers kept (see `memo`)
        self._generation: str | None = None  # the last generation a session read
        self._file: tuple[int, int] | None = None  # (device, inode) of a SQLite store, to notice a swapped file
        self._guard = threading.Lock()
        self._pinned: Session | None = None  # set on the views `snapshot` yields
        self._locks = 0  # depth of `lock` held by this object
        self._watch = GenerationWatch(self._read_current, sqlite_file=sqlite_path(self.url), engine=lambda: self.engine)

    def __repr__(self) -> str:
        return f"HeadKG({shown(self.url)!r})"

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = make_engine(self.url, schema=self.schema, read_only=self.read_only)
        return self._engine

    def close(self) -> None:
        self._watch.close()
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def __enter__(self) -> HeadKG:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- building, diffing, adding: the library functions themselves, so their signatures and
    # docstrings are the root object's. The parsers, the writer and the analyses are imported by the
    # methods that use them: `headkg build` over an unchanged list needs none of them (api/cli.py).

    build = build_store
    """`kg.build(source, *, strict, full, progress, today, allow_shrink, max_shrink)`: the store from the
    list (db/build.py)."""

    diff = _Library("headkg.ingest.versions:diff_versions")
    """`HeadKG.diff(old, new, repo)`: two versions of the list compared (ingest/versions.py)."""

    add = _Library("headkg.ingest.listedit:add_paper")
    """`HeadKG.add(checkout, submission, ...)`: a new paper written into the list (ingest/listedit)."""

    @staticmethod
    def check(root: Path, *, base: str | None = None, today: dt.date | None = None) -> list[CheckedFinding]:
        """Every finding of the checkout at `root`, graded (ingest/check.py); with `base`, a git revision,
        each marked new or old, old errors as notices (ingest/check_base.py)."""
        if base is None:
            from headkg.ingest.check import check_list

            return check_list(root, today=today)
        from headkg.ingest.check_base import check_against_revision

        return check_against_revision(root, base, today=today)

    init_vocabulary = _Library("headkg.ingest.vocabulary_starter:write_starter_vocabulary")
    """`HeadKG.init_vocabulary(checkout)`: a starter .headkg/vocabulary.yaml (ingest/vocabulary_starter.py)."""

    fix = _Library("headkg.ingest.check:fix_list")

    def check_change(self, root: Path, base: str, *, today: dt.date | None = None) -> list[CheckedFinding]:
        """`check(root, base=base)` with this store built from `base`: only the README sections and bib
        files that changed are read (db/check_change.py)."""
        from headkg.db.check_change import check_change

        return check_change(self, root, base, today=today)

    # -- writing -------------------------------------------------------------------------------

    def check_writable(self) -> None:
        """StoreError (one line) unless a build can write here: folder, server, not someone else's tables."""
        check_writable(self.url, self.schema)

    @contextmanager
    def lock(self, timeout: float | None = None) -> Iterator[None]:
        """Hold the store's build lock: one build at a time (re-entrant within this object)."""
        if self._locks:
            self._locks += 1
            try:
                yield
            finally:
                self._locks -= 1
            return
        with build_lock(self.url, self.schema, self.lock_timeout if timeout is None else timeout):
            self._locks = 1
            try:
                yield
            finally:
                self._locks = 0

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
        existing store) rewriting only the papers that changed. Takes the build lock."""
        from headkg.db.writer import write_graph

        if self.read_only:
            raise StoreError(f"{shown(self.url)} is open read-only")
        with self.lock():
            incremental = incremental and self.exists()
            self.close()  # a new SQLite file may take the place of an empty one
            try:
                return write_graph(
                    self.url, graph, dict(meta or {}), cache, layout, incremental=incremental, schema=self.schema
                )
            except SQLAlchemyError as exc:
                raise StoreError(f"cannot write the store: {exc.__class__.__name__}: {exc.orig or exc}") from exc

    def write_in_place(self, apply: Callable[[Connection], T | None]) -> T | None:
        """Run `apply` in one writing transaction of the store (a build's small change: db/patch.py),
        committed when it returns a value, rolled back when it returns None. Takes the build lock."""
        from headkg.db.writer import write_in_place

        if self.read_only:
            raise StoreError(f"{shown(self.url)} is open read-only")
        with self.lock():
            self.close()
            try:
                return write_in_place(self.url, self.schema, apply)
            except SQLAlchemyError as exc:
                raise StoreError(f"cannot write the store: {exc.__class__.__name__}: {exc.orig or exc}") from exc

    def parse_cache(self) -> dict[str, str]:
        """Parse results kept by the last build (empty when there is no store of this schema)."""
        from headkg.db.writer import schema_is_current

        if not self.exists():
            return {}
        try:
            with self.session() as s:
                if not schema_is_current(s.connection()):
                    return {}
                return dict(s.execute(select(m.ParseCacheRow.key, m.ParseCacheRow.payload)).all())
        except (SQLAlchemyError, StoreError):
            return {}

    # -- reading: one session reads one state of the store ---------------------------------------

    def exists(self) -> bool:
        """True when a headkg store is there (built, readable)."""
        try:
            self.generation()
        except StoreError:
            return False
        return True

    def generation(self) -> str:
        """A token that changes with every successful build (and only then): what the store holds now.

        Microseconds, so the API can ask on every request: the `meta` row is read again only when
        the store's file or data_version moved (SQLite), else one autocommit read (PostgreSQL); see
        db/generation.py. Caches of answers key on it, and so can HTTP caches (the API sends it as
        the `X-HeadKG-Generation` header and in its ETags). On a `snapshot` view it is the
        generation of that snapshot.
        """
        if self._pinned is not None:
            return str(self._pinned.info["generation"])
        return self._watch.current()

    @property
    def generation_blocks(self) -> bool:
        """True when `generation()` waits on a database server (PostgreSQL), false when it only looks
        at a file (SQLite): an event loop calls the former from a thread."""
        return self._pinned is None and self._watch.blocks

    def _read_current(self) -> str:
        """The generation read in a session of its own (what `generation` falls back on)."""
        with self.session() as s:
            return str(s.info["generation"])

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A read session (one transaction: one state of the store); a missing store is a StoreError
        that says to build first. On a `snapshot` view, the snapshot's own session."""
        if self._pinned is not None:
            with _answering(self._pinned):
                yield self._pinned
            return
        with Session(self._current_engine()) as session, _answering(session):
            session.info["generation"] = self._observe(self._read_generation(session))
            yield session

    @contextmanager
    def snapshot(self) -> Iterator[HeadKG]:
        """A view of this store pinned to its current state: every call on it reads through one
        session, so a request answered through it never mixes two builds (the API uses one per request).

        >>> with kg.snapshot() as view:  # doctest: +SKIP
        ...     assert view.stats().papers == view.papers().total
        """
        if self._pinned is not None:
            yield self
            return
        with self.session() as session:
            view = copy.copy(self)
            view._pinned = session
            yield view

    def memo(self, kind: str, key: Hashable, compute: Callable[[HeadKG], T], *, size: int = MEMO_SIZE) -> T:
        """`compute(view)`, computed once per store generation and key, then kept (the last `size` of a kind).

        For answers that change only when the store is rebuilt (analyses, graph files): a new
        generation drops them all. `compute` gets a snapshot view, so the answer and the generation
        it is kept under agree.
        """
        with self.snapshot() as view:
            full = (view.generation(), key)
            kept = self._memo.get(kind)
            if kept is not None and full in kept:
                return kept[full]  # type: ignore[no-any-return]
            value = compute(view)
        with self._guard:
            kept = self._memo.setdefault(kind, {})
            while len(kept) >= size:
                kept.pop(next(iter(kept)))
            kept[full] = value
        return value

    def _current_engine(self) -> Engine:
        """The engine, renewed when a SQLite store's file was replaced (its pool reads the old file)."""
        path = sqlite_path(self.url)
        if path is None:
            return self.engine
        try:
            stat = path.stat()
        except OSError:
            raise StoreError(f"no store at {shown(self.url)}; run `headkg build` first") from None
        with self._guard:
            if self._file is not None and self._file != (stat.st_dev, stat.st_ino):
                self._forget()
            self._file = (stat.st_dev, stat.st_ino)
        return self.engine

    def _read_generation(self, session: Session) -> str:
        try:
            rows = dict(
                session.execute(select(m.MetaRow.key, m.MetaRow.value).where(m.MetaRow.key.in_(_STATE_KEYS))).all()
            )
        except (OperationalError, ProgrammingError) as exc:
            if _missing_table(exc):
                raise StoreError(f"no store at {shown(self.url)}; run `headkg build` first") from None
            raise StoreError(f"cannot read the store {shown(self.url)}: {_first_line(exc)}") from exc
        except DatabaseError as exc:
            raise StoreError(f"cannot read the store {shown(self.url)}: {_first_line(exc)}") from exc
        if "schema_version" not in rows:
            raise StoreError(f"{shown(self.url)} is not a headkg store (no schema version); run `headkg build`")
        if "generation" in rows:
            return rows["generation"]
        return "legacy-" + hashlib.sha256(repr(sorted(rows.items())).encode()).hexdigest()[:32]

    def _observe(self, generation: str) -> str:
        """Note the generation a session read; a new one drops the pooled connections and every cache."""
        with self._guard:
            if generation != self._generation:
                if self._generation is not None:
                    self._forget()
                self._generation = generation
        return generation

    def _forget(self) -> None:
        """Drop the pooled connections (connections in use finish first) and every kept answer."""
        self._memo.clear()
        if self._engine is not None:
            self._engine.dispose()

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
        if not facets:
            with self.session() as s:
                return queries.papers(filters, session=s, sort=sort, limit=limit, offset=offset)
        with self.snapshot() as view:  # the total and facets of a filter are kept: every page and order shares them
            total, counted = view.memo("paper-counts", filters.model_dump_json(), view._paper_counts(filters))
            with view.session() as s:
                return queries.papers(
                    filters,
                    session=s,
                    sort=sort,
                    limit=limit,
                    offset=offset,
                    facets=True,
                    counted=(total, counted.model_copy(deep=True)),
                )

    @staticmethod
    def _paper_counts(filters: PaperFilter) -> Callable[[HeadKG], tuple[int, Facets]]:
        def compute(view: HeadKG) -> tuple[int, Facets]:
            with view.session() as s:
                return queries.paper_counts(filters, session=s)

        return compute

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

    def head(self, name_or_slug: str, *, papers: int | None = None) -> HeadDetail:
        """A head type by any spelling, with its `papers` earliest papers (all when None)."""
        with self.session() as s:
            return queries.head(name_or_slug, session=s, papers=papers)

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

    @contextmanager
    def graph_rows(self, cut: GraphCut) -> Iterator[GraphRows]:
        """One cut of the store's graph as rows streamed in chunks, read through one session (db/graph_rows.py):
        what the exports write without holding the graph."""
        with self.session() as s:
            yield GraphRows(cut, session=s)

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
            return _analysis().paper_list(filters, session=s, sort=sort, cap=cap, limit=limit, offset=offset)

    def cited(self, paper_ids: list[str]) -> PaperList:
        """These papers, in this order, with their bib entries: `kg.cited(["arxiv-2404.15574"])`."""
        with self.session() as s:
            return _analysis().papers_by_id(paper_ids, session=s)

    def comparison(self, head: str, filters: PaperFilter | None = None, **filter_args: Any) -> Comparison:
        """The papers that found `head`, side by side: `kg.comparison("retrieval heads")`."""
        filters = filters or PaperFilter(**filter_args)
        return self._memoized("comparison", head, filters, lambda s: _analysis().comparison(head, filters, session=s))

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
        compute = getattr(_analysis(), name)
        return self._memoized(name, "", filters, lambda s: compute(filters, session=s))  # type: ignore[no-any-return]

    def _memoized(self, name: str, arg: str, filters: PaperFilter, compute: Callable[[Session], Any]) -> Any:
        """`compute`'s answer, kept until the store is rebuilt (`memo`): analyses only change with the build."""

        def run(view: HeadKG) -> Any:
            with view.session() as s:
                return compute(s)

        return self.memo("analysis", (name, arg, filters.model_dump_json()), run).model_copy(deep=True)

    def readme(self) -> Iterator[str]:
        """The list's README written back from the store, in pieces (`headkg render`): each row from its
        facts and layout, the text around the rows as it was (db/readme.py)."""
        from headkg.db.readme import readme_text  # the README writer's parts: only `render` needs them

        with self.session() as s:
            yield from readme_text(session=s)

    def findings(self) -> list[Finding]:
        with self.session() as s:
            rows = s.execute(select(m.FindingRow).order_by(m.FindingRow.id)).scalars()
            return [mapping.FINDINGS.record(r) for r in rows]
