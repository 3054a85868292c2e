"""Store URLs and engines: a plain path or any SQLAlchemy URL, PostgreSQL via psycopg 3.

How every connection behaves is decided here, once:

- SQLite: foreign keys on; a real `BEGIN` at the start of every transaction (pysqlite would
  otherwise run reads outside any transaction), so one session reads one state of the store; a
  writer turns on WAL, so readers keep their snapshot while a build writes.
- PostgreSQL: headkg's tables live in a schema of their own (default `headkg`, or the first entry
  of the URL's `options=-csearch_path=...`), the only one on the search path; reads are
  REPEATABLE READ, so one session reads one state.
- `read_only` (the server): SQLite `PRAGMA query_only`, PostgreSQL `default_transaction_read_only`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from sqlalchemy import Connection, Engine, create_engine, event, inspect
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from headkg.schema.exceptions import SettingsError, StoreError

DEFAULT_PG_SCHEMA = "headkg"
SQLITE_BUSY_SECONDS = 30.0  # a reader meeting a checkpoint, a writer meeting a reader: wait, do not fail
_SCHEMA_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
_SEARCH_PATH = re.compile(r"-c\s*search_path\s*=\s*([^\s]+)")


def normalize_url(url: str | Path) -> URL:
    """'store.sqlite' -> sqlite:///store.sqlite; 'postgresql://...' -> postgresql+psycopg://..."""
    text = str(url)
    if "://" not in text:
        text = f"sqlite:///{Path(text).expanduser()}"
    try:
        parsed = make_url(text)
    except ArgumentError as exc:
        raise StoreError(f"not a database URL: {text!r}") from exc
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise StoreError(f"unsupported store {text!r}: give a SQLite file or a postgresql:// URL")
    return parsed


def shown(url: URL) -> str:
    """The URL as messages show it (no password)."""
    return url.render_as_string(hide_password=True)


def sqlite_path(url: URL) -> Path | None:
    """The file behind a SQLite URL, or None for other databases and in-memory SQLite."""
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def pg_schema(url: URL, default: str | None = None) -> str | None:
    """The PostgreSQL schema holding headkg's tables (None for SQLite).

    The URL's `options=-csearch_path=NAME[,...]` names it; else `default` (the settings'
    HEADKG_PG_SCHEMA); else `headkg`. A name that is not a plain identifier is a SettingsError.
    """
    if url.get_backend_name() != "postgresql":
        return None
    options = url.query.get("options")
    text = " ".join(options) if isinstance(options, tuple) else (options or "")
    found = _SEARCH_PATH.search(unquote(text))
    name = found.group(1).split(",")[0].strip().strip('"') if found else (default or DEFAULT_PG_SCHEMA)
    if not _SCHEMA_NAME.match(name):
        raise SettingsError(f"PostgreSQL schema {name!r}: use letters, digits and _ only, e.g. headkg")
    return name


def make_engine(url: URL, *, schema: str | None = None, read_only: bool = False, write: bool = False) -> Engine:
    """An engine that behaves as the module docstring says; `write` turns SQLite's WAL on."""
    backend = url.get_backend_name()
    options: dict[str, Any] = {}
    if backend == "postgresql" and not write:
        options["isolation_level"] = "REPEATABLE READ"
    if backend == "sqlite":
        options["connect_args"] = {"timeout": SQLITE_BUSY_SECONDS, "check_same_thread": False}
    try:
        engine = create_engine(url, **options)
    except Exception as exc:  # noqa: BLE001 - any driver problem is the user's URL
        raise StoreError(f"cannot open {shown(url)}: {exc}") from exc
    if backend == "sqlite":
        _sqlite_events(engine, read_only=read_only, write=write)
    elif backend == "postgresql":
        _postgres_events(engine, pg_schema(url, schema) or DEFAULT_PG_SCHEMA, read_only=read_only)
    return engine


def _sqlite_events(engine: Engine, *, read_only: bool, write: bool) -> None:
    pragmas = ["PRAGMA foreign_keys=ON"]
    if read_only:
        pragmas.append("PRAGMA query_only=ON")

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself (below)
        cursor = dbapi_connection.cursor()
        for pragma in pragmas:
            cursor.execute(pragma)
        if write:
            try:
                cursor.execute("PRAGMA journal_mode=WAL")
            except Exception:  # noqa: BLE001 - a reader holds the file: stay in the journal mode it has
                pass
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN")


def _postgres_events(engine: Engine, schema: str, *, read_only: bool) -> None:
    from psycopg import sql

    statements = [sql.SQL("SET search_path TO {}").format(sql.Identifier(schema))]
    if read_only:
        statements.append(sql.SQL("SET default_transaction_read_only = on"))

    @event.listens_for(engine, "connect", insert=True)
    def _connect(dbapi_connection: Any, record: Any) -> None:
        autocommit = dbapi_connection.autocommit
        dbapi_connection.autocommit = True
        with dbapi_connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
        dbapi_connection.autocommit = autocommit
        record.info["headkg_schema"] = schema


def store_schema(conn: Connection) -> str | None:
    """The PostgreSQL schema a connection of `make_engine` works in (None on SQLite)."""
    schema = conn.info.get("headkg_schema")
    return str(schema) if schema else None


def table_names(conn: Connection) -> set[str]:
    """The tables of the store's own schema (SQLite: the file's main database)."""
    return set(inspect(conn).get_table_names(schema=store_schema(conn)))


def column_names(conn: Connection, table: str) -> set[str]:
    return {c["name"] for c in inspect(conn).get_columns(table, schema=store_schema(conn))}
