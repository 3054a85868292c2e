"""Writing a knowledge graph to the store, atomically: a build killed halfway leaves the previous
store as it was. Every write over an existing store is one transaction in place (a full write
empties headkg's tables and fills them again; an incremental one touches only the papers whose rows
changed), so readers keep answering from the previous state until it commits (SQLite's WAL,
PostgreSQL's MVCC) and never see a file swapped under their connections. Only a SQLite store that
does not exist yet is written beside its place and renamed there."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, and_, bindparam, delete, event, insert, select, text, update
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError
from sqlalchemy.schema import CreateIndex, CreateTable

from headkg.db import fulltext
from headkg.db import models as m
from headkg.db.aliases import AliasUpdate, Previous, alias_rows, compute_aliases, read_previous_safely
from headkg.db.engine import make_engine, sqlite_path, store_schema, table_names
from headkg.db.marker import APPLICATION, mark, refuse_foreign
from headkg.db.rows import PAPER_CHILDREN, GraphRows, Row, graph_rows
from headkg.ingest.moves import LineMap, Move
from headkg.schema.graph import KnowledgeGraph

Result = TypeVar("Result")
CHUNK = 5000  # rows per executemany and ids per IN list: bounded memory and statement size


@dataclass
class WriteSummary:
    """What a write did to the papers of the store."""

    added: int = 0
    removed: int = 0
    changed: int = 0  # rewritten: what they say changed
    unchanged: int = 0
    shifted: int = 0  # unchanged, their lines moved in place (a row added above them)
    moved: int = 0  # unchanged, but stated elsewhere than a shift explains (a row cut and pasted): rewritten
    full: bool = True


def _chunks(items: list[Any]) -> Iterable[list[Any]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _insert(conn: Connection, table: type[m.Base], rows: list[Row]) -> None:
    """Insert rows (each with every column of the table): SQLite takes them as the driver's tuples,
    PostgreSQL by COPY, each converted by the columns' own types, so both write what SQLAlchemy's
    insert writes without its work per row (most of a large build's write). Rows lacking a column
    go through SQLAlchemy, which fills in the defaults."""
    if not rows:
        return
    backend = conn.dialect.name
    plan, sql = _value_plan(conn, table)
    for chunk in _chunks(rows):
        try:
            values = [tuple(row[n] if f is None else f(row[n]) for n, f in plan) for row in chunk]
        except KeyError:
            conn.execute(insert(table), chunk)
            continue
        if backend == "sqlite":
            conn.exec_driver_sql(sql, values)
        elif backend == "postgresql":
            _copy(conn, table, [n for n, _ in plan], values)
        else:
            conn.execute(insert(table), chunk)


def _value_plan(conn: Connection, table: type[m.Base]) -> tuple[list[tuple[str, Callable[[Any], Any] | None]], str]:
    """(column, its type's conversion) in the order of the insert statement's parameters, and its SQL."""
    columns = {column.key: column for column in table.__table__.columns}
    compiled = insert(table).compile(dialect=conn.dialect, column_keys=list(columns))
    names = list(compiled.positiontup or columns)  # positional drivers: the order of the statement's "?"
    return [(n, columns[n].type.dialect_impl(conn.dialect).bind_processor(conn.dialect)) for n in names], str(compiled)


def _copy(conn: Connection, table: type[m.Base] | str, names: list[str], values: list[tuple[Any, ...]]) -> None:
    """PostgreSQL's COPY of rows into the table, in the connection's transaction."""
    import psycopg
    from psycopg import sql

    name = table if isinstance(table, str) else table.__tablename__
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(name), sql.SQL(", ").join(map(sql.Identifier, names))
    )
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None
    try:
        with dbapi.cursor() as cursor, cursor.copy(statement) as copy:
            for value in values:
                copy.write_row(value)
    except psycopg.Error as exc:  # as SQLAlchemy's insert would raise it (the store reports a failed write)
        raise DBAPIError.instance(statement.as_string(dbapi), None, exc, psycopg.Error, dialect=conn.dialect) from exc


def _meta_rows(meta: Mapping[str, str]) -> list[Row]:
    """The build's facts, the schema version, headkg's mark and a new generation (see HeadKG.generation)."""
    facts = {**meta, "schema_version": m.SCHEMA_VERSION, "application": APPLICATION, "generation": uuid.uuid4().hex}
    return [{"key": k, "value": v} for k, v in sorted(facts.items())]


def _cache_rows(cache: Mapping[str, str]) -> list[Row]:
    return [{"key": k, "payload": v} for k, v in sorted(cache.items())]


def _fill(
    conn: Connection, rows: GraphRows, meta: Mapping[str, str], cache: Mapping[str, str], aliases: list[Row]
) -> None:
    _insert(conn, m.MetaRow, _meta_rows(meta))
    for table, table_rows in rows.parents():
        _insert(conn, table, table_rows)
    _insert(conn, m.PaperRow, [p.paper for p in rows.papers.values()])
    _insert(conn, m.PaperAliasRow, aliases)
    _insert(conn, m.HeadAliasRow, rows.head_aliases)
    for table, table_rows in rows.children_of(list(rows.papers)):
        _insert(conn, table, table_rows)
    _insert(conn, m.HeadModelRow, rows.head_models)
    _insert(conn, m.FindingRow, rows.findings)
    _insert(conn, m.ParseCacheRow, _cache_rows(cache))


def schema_is_current(conn: Connection) -> bool:
    if m.MetaRow.__tablename__ not in table_names(conn):
        return False
    version = conn.execute(select(m.MetaRow.value).where(m.MetaRow.key == "schema_version")).scalar()
    return version == m.SCHEMA_VERSION


def write_graph(
    url: URL,
    graph: KnowledgeGraph,
    meta: Mapping[str, str],
    cache: Mapping[str, str] | None = None,
    layout: Layout | None = None,
    *,
    incremental: bool = False,
    schema: str | None = None,
) -> WriteSummary:
    """Bring the store to `graph`, atomically: its whole content replaced, or (`incremental`, over a
    store of this schema version) only the papers whose rows changed rewritten.

    One transaction over the store in place (readers keep their snapshot until it commits; a build
    killed halfway leaves the previous store); a SQLite file that does not exist yet is written
    beside its place and renamed there. A database holding tables that are not headkg's is refused
    before anything is written (db/marker.py).

    Ids come from the data, so an unchanged paper keeps its id and its rows are not rewritten;
    a paper whose lines only moved (rows added above it, `layout.moves`) is shifted in place.
    The ids and aliases of the store being replaced are carried over as aliases (db/aliases.py),
    so every id it gave out keeps resolving.
    """
    rows = graph_rows(graph)
    cache = cache or {}
    path = sqlite_path(url)
    if path is not None and is_new_file(path):
        _write_new_sqlite(url, path, rows, meta, cache, alias_rows(compute_aliases(graph, Previous())))
        return WriteSummary(added=len(rows.papers))
    with _connection(url, schema, transaction=True) as conn:
        refuse_foreign(conn)
        create_schema(conn)
        if incremental and schema_is_current(conn):  # only the changed papers are rewritten
            stored = conn.execute(select(m.PaperRow.id, m.PaperRow.fingerprint, m.PaperRow.sources))
            plan = _PaperPlan.compare({pid: (fp, sources) for pid, fp, sources in stored}, rows, layout)
            _apply(conn, graph, rows, plan, meta, cache, layout)
            summary = plan.summary()
        else:
            previous = read_previous_safely(conn, set(rows.papers))
            _empty_tables(conn)
            _fill(conn, rows, meta, cache, alias_rows(compute_aliases(graph, previous)))
            summary = WriteSummary(added=len(rows.papers))
        mark(conn)
    return summary


class _NothingToWrite(Exception):
    """Rolls back a `write_in_place` whose change found it could not apply."""


def write_in_place(url: URL, schema: str | None, apply: Callable[[Connection], Result | None]) -> Result | None:
    """Run `apply` in one writing transaction over an existing store (its own reads and writes):
    committed when it returns a value, rolled back when it returns None or raises."""
    try:
        with _connection(url, schema, transaction=True) as conn:
            refuse_foreign(conn)
            result = apply(conn)
            if result is None:
                raise _NothingToWrite
            mark(conn)
            return result
    except _NothingToWrite:
        return None


def is_new_file(path: Path) -> bool:
    """No store file yet (or an empty one): written aside and renamed, as no reader can hold it."""
    try:
        return path.stat().st_size == 0
    except FileNotFoundError:
        return True


def create_schema(conn: Connection) -> None:
    """PostgreSQL: create headkg's schema when missing (the search path already names it)."""
    schema = store_schema(conn)
    if schema:
        conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))


def _empty_tables(conn: Connection) -> None:
    """headkg's tables emptied (this schema version: the full-text index follows the deleted papers)
    or recreated with their full-text index (an older one); no other table is touched."""
    if schema_is_current(conn):
        for table in reversed(m.Base.metadata.sorted_tables):
            conn.execute(table.delete())
        return
    fulltext.uninstall(conn)
    m.Base.metadata.drop_all(conn)  # only the tables it defines, those that exist
    m.Base.metadata.create_all(conn)
    fulltext.install(conn)


@contextmanager
def _connection(url: URL, schema: str | None, *, transaction: bool = False) -> Iterator[Connection]:
    """A writing connection to the store (in a transaction committed on success), its engine disposed after."""
    engine = make_engine(url, schema=schema, write=True)
    try:
        with engine.begin() if transaction else engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


def building_path(path: Path) -> Path:
    """Where a new SQLite store is written before it is renamed to `path` (the lock cleans leftovers)."""
    return path.with_name(f".{path.name}.building-{os.getpid()}")


SQLITE_SIDE_FILES = ("-journal", "-wal", "-shm")


def _write_new_sqlite(
    url: URL, path: Path, rows: GraphRows, meta: Mapping[str, str], cache: Mapping[str, str], aliases: list[Row]
) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = building_path(path)
    engine = make_engine(url.set(database=str(temp)))
    # No reader can see the file before it is renamed, and a build killed halfway leaves only it, so
    # it needs no journal and no syncing while it is filled: the finished file is synced once.
    event.listen(engine, "connect", _unjournaled)
    try:
        with engine.begin() as conn:  # indexes built once the rows are in: faster than row by row
            tables = m.Base.metadata.sorted_tables
            for table in tables:
                conn.execute(CreateTable(table))
            _fill(conn, rows, meta, cache, aliases)
            for table in tables:
                for index in sorted(table.indexes, key=lambda index: str(index.name)):
                    conn.execute(CreateIndex(index))
            fulltext.install(conn, index_rows=True)
            mark(conn)
        with engine.connect() as conn:  # out of any transaction: the store is read in WAL mode
            conn.connection.dbapi_connection.execute("PRAGMA journal_mode=WAL")  # type: ignore[union-attr]
    except BaseException:
        engine.dispose()
        for name in ("", *SQLITE_SIDE_FILES):
            Path(f"{temp}{name}").unlink(missing_ok=True)
        raise
    engine.dispose()
    with open(temp, "rb+") as done:
        os.fsync(done.fileno())
    for suffix in SQLITE_SIDE_FILES:  # side files of no database (the store's file is new)
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    os.replace(temp, path)


def _unjournaled(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=OFF")
    cursor.execute("PRAGMA synchronous=OFF")
    cursor.close()


def _sync_table(conn: Connection, table: type[m.Base], rows: list[Row]) -> set[Any]:
    """Insert new rows and update changed ones of a small keyed table; return the stale keys.

    Stale rows are deleted by the caller once nothing points to them any more.
    """
    (pk,) = table.__table__.primary_key.columns  # type: ignore[attr-defined]
    columns = [c.name for c in table.__table__.columns]  # type: ignore[attr-defined]
    existing = {r[0]: dict(zip(columns, r, strict=True)) for r in conn.execute(select(*table.__table__.columns))}  # type: ignore[attr-defined]
    new_keys = {r[pk.name] for r in rows}
    inserts = [r for r in rows if r[pk.name] not in existing]
    updates = [r for r in rows if r[pk.name] in existing and {c: existing[r[pk.name]][c] for c in r} != r]
    _insert(conn, table, inserts)
    if updates:
        stmt = (
            update(table.__table__)  # type: ignore[attr-defined]
            .where(pk == bindparam("_key"))
            .values({c: bindparam(c) for c in updates[0] if c != pk.name})
        )
        for chunk in _chunks(updates):
            conn.execute(stmt, [{**r, "_key": r[pk.name]} for r in chunk])
    return set(existing) - new_keys


def _delete_where_in(conn: Connection, column: Any, values: list[Any]) -> None:
    for chunk in _chunks(values):
        conn.execute(delete(column.table).where(column.in_(chunk)))


@dataclass
class Layout:
    """Which lines of the list's files moved since the last build (ingest/moves.py)."""

    moves: list[Move] = field(default_factory=list)

    @property
    def lines(self) -> LineMap:
        return LineMap(self.moves)


SHIFT_OFFSET = 1_000_000_000  # moved lines park above every real line, so no two rows ever collide


def _apply_moves(conn: Connection, layout: Layout, shifted: list[Row]) -> None:
    """Shift the lines of the rows in moved ranges (one UPDATE per range and table), and write the
    shifted papers' new `sources`."""
    tables = [t for t in PAPER_CHILDREN if "line" in t.__table__.c]  # type: ignore[attr-defined]
    for table in tables:
        column = table.__table__.c  # type: ignore[attr-defined]
        if len(layout.moves) == 1 and not _may_collide(conn, table, layout.moves[0]):
            file, first, last, delta = layout.moves[0]  # one range (one edit): moved in one statement
            conn.execute(
                update(table.__table__)  # type: ignore[attr-defined]
                .where(column.file == file, column.line.between(first, last))
                .values(line=column.line + delta)
            )
            continue
        for file, first, last, delta in layout.moves:
            conn.execute(
                update(table.__table__)  # type: ignore[attr-defined]
                .where(column.file == file, column.line.between(first, last))
                .values(line=column.line + delta + SHIFT_OFFSET)
            )
        conn.execute(
            update(table.__table__)  # type: ignore[attr-defined]
            .where(column.line >= SHIFT_OFFSET)
            .values(line=column.line - SHIFT_OFFSET)
        )
    _set_sources(conn, shifted)


def _may_collide(conn: Connection, table: type[m.Base], move: Move) -> bool:
    """Whether moving a range's rows in one statement could make a row its key's twin on the way (the
    line is part of the table's key, and a row with the same key stands where one moves to)."""
    key = [c.name for c in table.__table__.primary_key.columns]  # type: ignore[attr-defined]
    if "line" not in key:
        return False
    file, first, last, delta = move
    a, b = table.__table__.alias("a"), table.__table__.alias("b")  # type: ignore[attr-defined]
    same = [a.c[name] == b.c[name] for name in key if name != "line"]
    found = conn.execute(
        select(a.c.line)
        .join(b, and_(*same, b.c.line == a.c.line + delta))
        .where(a.c.file == file, a.c.line.between(first, last))
        .limit(1)
    ).first()
    return found is not None


def _set_sources(conn: Connection, papers: list[Row]) -> None:
    """Write the `sources` of papers that moved (a row added above them: all those below): SQLite by
    the driver's executemany, PostgreSQL by COPY into a temporary table and one UPDATE, each value
    converted as SQLAlchemy converts it."""
    if not papers:
        return
    column = m.PaperRow.__table__.c.sources
    convert = column.type.dialect_impl(conn.dialect).bind_processor(conn.dialect) or (lambda value: value)
    values = sorted((p["id"], convert(p["sources"])) for p in papers)  # in key order: pages in turn, not at random
    table = m.PaperRow.__tablename__
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(f"UPDATE {table} SET sources = ? WHERE id = ?", [(v, pid) for pid, v in values])
    elif conn.dialect.name == "postgresql":
        conn.exec_driver_sql("CREATE TEMPORARY TABLE moved_sources (id text PRIMARY KEY, sources json) ON COMMIT DROP")
        _copy(conn, "moved_sources", ["id", "sources"], values)
        conn.exec_driver_sql(
            f"UPDATE {table} SET sources = moved.sources FROM moved_sources moved WHERE {table}.id = moved.id"
        )
    else:
        stmt = update(m.PaperRow).where(m.PaperRow.id == bindparam("_id")).values(sources=bindparam("new_sources"))
        for chunk in _chunks(papers):
            conn.execute(stmt, [{"_id": p["id"], "new_sources": p["sources"]} for p in chunk])


def _delete_stale_parents(conn: Connection, rows: GraphRows, stale: dict[type[m.Base], set[Any]]) -> None:
    """Delete the shared rows (heads, methods...) nothing points to any more, children first."""
    for table in reversed([t for t, _ in rows.parents()]):
        keys = sorted(stale[table])
        if keys:
            (pk,) = table.__table__.primary_key.columns  # type: ignore[attr-defined]
            _delete_where_in(conn, pk, keys)


@dataclass
class _PaperPlan:
    """Which papers an update adds, removes, rewrites (changed fingerprint, or moved where no shift
    explains), shifts (their lines moved in place) and leaves alone."""

    added: list[str]
    removed: list[str]
    changed: list[str]
    moved: list[str]
    shifted: list[str]
    unchanged: list[str]

    @classmethod
    def compare(cls, old: dict[str, tuple[str, list[str]]], rows: GraphRows, layout: Layout | None) -> _PaperPlan:
        """`old` maps the stored papers' ids to their fingerprints and sources."""
        lines = layout.lines if layout else LineMap([])
        plan = cls(sorted(rows.papers.keys() - old.keys()), sorted(old.keys() - rows.papers.keys()), [], [], [], [])
        for pid in sorted(old.keys() & rows.papers.keys()):
            fingerprint, sources = old[pid]
            paper = rows.papers[pid].paper
            if fingerprint != paper["fingerprint"]:
                plan.changed.append(pid)
            elif sources == paper["sources"]:
                plan.unchanged.append(pid)
            elif [lines.source(s) for s in sources] == paper["sources"]:
                plan.shifted.append(pid)
            else:
                plan.moved.append(pid)
        return plan

    def summary(self) -> WriteSummary:
        return WriteSummary(
            added=len(self.added),
            removed=len(self.removed),
            changed=len(self.changed),
            unchanged=len(self.unchanged),
            shifted=len(self.shifted),
            moved=len(self.moved),
            full=False,
        )


def _apply(
    conn: Connection,
    graph: KnowledgeGraph,
    rows: GraphRows,
    plan: _PaperPlan,
    meta: Mapping[str, str],
    cache: Mapping[str, str],
    layout: Layout | None,
) -> None:
    """Delete the stale papers' rows, sync the shared tables, insert the new papers' rows, then drop
    the shared rows nothing points to any more (children before parents, parents before children).
    The id aliases change along (db/aliases.py)."""
    stale = plan.removed + plan.changed + plan.moved
    aliases = AliasUpdate.begin(conn, graph, rewritten=set(stale))
    for table in reversed(PAPER_CHILDREN):
        _delete_where_in(conn, table.__table__.c.paper_id, stale)  # type: ignore[attr-defined]
    for table in (m.HeadModelRow, m.HeadAliasRow, m.FindingRow, m.MetaRow, m.ParseCacheRow):
        conn.execute(delete(table))
    stale_parents = {table: _sync_table(conn, table, table_rows) for table, table_rows in rows.parents()}
    _delete_where_in(conn, m.PaperRow.id, stale)
    if layout and layout.moves:
        _apply_moves(conn, layout, [rows.papers[pid].paper for pid in plan.shifted])
    fresh = plan.changed + plan.moved + plan.added
    _insert(conn, m.PaperRow, [rows.papers[pid].paper for pid in fresh])
    for table, table_rows in rows.children_of(fresh):
        _insert(conn, table, table_rows)
    aliases.finish(conn)
    _insert(conn, m.HeadAliasRow, rows.head_aliases)
    _insert(conn, m.HeadModelRow, rows.head_models)
    _insert(conn, m.FindingRow, rows.findings)
    _insert(conn, m.MetaRow, _meta_rows(meta))
    _insert(conn, m.ParseCacheRow, _cache_rows(cache))
    _delete_stale_parents(conn, rows, stale_parents)
