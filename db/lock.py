"""One build at a time per store, and only where it may write.

`check_writable` answers, before any parsing, whether a build can write the store at all (the
folder can be made, the server answers, the database is empty or headkg's). `build_lock` then keeps
a second build of the same store out: a file lock beside a SQLite store (`filelock`), an advisory
lock on PostgreSQL; a second build waits up to `timeout` seconds, then stops with a StoreError.
Both die with their process, so a build killed with `kill -9` never leaves a store locked; the
files it left (`.NAME.building-PID` and their journals) are removed by the next build that takes
the lock, and an interrupted transaction is rolled back by SQLite itself (its WAL or journal).
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout
from sqlalchemy import text
from sqlalchemy.engine import URL
from sqlalchemy.exc import SQLAlchemyError

from headkg.db.engine import make_engine, pg_schema, shown, sqlite_path
from headkg.db.marker import refuse_foreign
from headkg.schema.exceptions import StoreError

DEFAULT_LOCK_TIMEOUT = 60.0  # seconds a second build waits for the first (HEADKG_LOCK_TIMEOUT)
_POLL = 0.2


def lock_path(path: Path) -> Path:
    """The lock file beside a SQLite store."""
    return path.with_name(f".{path.name}.lock")


def leftovers(path: Path) -> list[Path]:
    """Files a killed build left beside a SQLite store: its new store file and that file's journals."""
    return sorted(path.parent.glob(f".{path.name}.building-*")) if path.parent.is_dir() else []


def check_writable(url: URL, schema: str | None = None) -> None:
    """StoreError (one line, naming the problem) unless a build can write a store at `url`."""
    path = sqlite_path(url)
    if path is not None:
        _check_sqlite(url, path, schema)
    elif url.get_backend_name() == "postgresql":
        _check_postgres(url, schema)


def _check_sqlite(url: URL, path: Path, schema: str | None) -> None:
    if path.is_dir():
        raise StoreError(f"cannot write the store {path}: it is a folder; give a file name, e.g. {path / 'kg.sqlite'}")
    blocker = next((p for p in path.parents if p.exists() and not p.is_dir()), None)
    if blocker is not None:
        raise StoreError(f"cannot create the store {path}: {blocker} is a file, not a folder")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot create the folder of the store {path.parent}: {exc.strerror or exc}") from exc
    if not os.access(path.parent, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.R_OK | os.W_OK)):
        raise StoreError(f"cannot write the store {path}: permission denied")
    if path.exists() and path.stat().st_size:
        _refuse_foreign(url, schema)


def _check_postgres(url: URL, schema: str | None) -> None:
    from headkg.db.writer import create_schema  # imported here: a SQLite build over an unchanged list needs no writer

    engine = make_engine(url, schema=schema, write=True)
    try:
        with engine.connect() as conn:  # rolled back: the check itself changes nothing
            create_schema(conn)
            refuse_foreign(conn)
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot write the store {shown(url)}: {_reason(exc)}") from exc
    finally:
        engine.dispose()


def _refuse_foreign(url: URL, schema: str | None) -> None:
    engine = make_engine(url, schema=schema)
    try:
        with engine.connect() as conn:
            refuse_foreign(conn)
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot read the store {shown(url)}: {_reason(exc)}") from exc
    finally:
        engine.dispose()


def _reason(exc: SQLAlchemyError) -> str:
    lines = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


@contextmanager
def build_lock(url: URL, schema: str | None = None, timeout: float = DEFAULT_LOCK_TIMEOUT) -> Iterator[None]:
    """Hold the store's build lock (waiting up to `timeout` seconds for another build to finish)."""
    path = sqlite_path(url)
    if path is not None:
        with _file_lock(path, timeout):
            _clean(path)
            yield
    elif url.get_backend_name() == "postgresql":
        with _advisory_lock(url, pg_schema(url, schema) or "", timeout):
            yield
    else:
        yield


def _busy(where: str, timeout: float) -> StoreError:
    return StoreError(
        f"another build is writing {where}; waited {timeout:g} s for it: run this build once it ends "
        "(or wait longer with HEADKG_LOCK_TIMEOUT=SECONDS)"
    )


@contextmanager
def _file_lock(path: Path, timeout: float) -> Iterator[None]:
    lock = FileLock(str(lock_path(path)), timeout=timeout)
    try:
        lock.acquire()
    except Timeout:
        raise _busy(str(path), timeout) from None
    except OSError as exc:
        raise StoreError(f"cannot lock the store {path}: {exc.strerror or exc}") from exc
    try:
        yield
    finally:
        lock.release()


def _clean(path: Path) -> None:
    """Remove what killed builds left, and let SQLite roll back an interrupted write (its journal or WAL)."""
    for leftover in leftovers(path):
        leftover.unlink(missing_ok=True)
    if not path.exists() or not path.stat().st_size:
        return
    try:
        conn = sqlite3.connect(path, timeout=30)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # a hot journal is rolled back here
        finally:
            conn.close()
    except sqlite3.Error:
        pass  # check_writable already refused what is no database


def _lock_key(schema: str) -> int:
    """A signed 64-bit key per schema, for pg_advisory_lock."""
    return int.from_bytes(hashlib.sha256(f"headkg build {schema}".encode()).digest()[:8], "big", signed=True)


@contextmanager
def _advisory_lock(url: URL, schema: str, timeout: float) -> Iterator[None]:
    """A session-level advisory lock on a connection of its own (released if the process dies)."""
    engine = make_engine(url, schema=schema, write=True)
    key = _lock_key(schema)
    try:
        conn = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        deadline = time.monotonic() + timeout
        while not conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar():
            if time.monotonic() >= deadline:
                conn.close()
                raise _busy(f'the schema "{schema}" of {shown(url)}', timeout)
            time.sleep(_POLL)
    except SQLAlchemyError as exc:
        engine.dispose()
        raise StoreError(f"cannot lock the store {shown(url)}: {_reason(exc)}") from exc
    except StoreError:
        engine.dispose()
        raise
    try:
        yield
    finally:
        try:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
            conn.close()
        except SQLAlchemyError:
            pass  # the connection is gone, and the lock with it
        engine.dispose()
