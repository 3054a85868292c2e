"""Knowing the store's generation on every request without a query through the ORM (issue 12).

`HeadKG.generation()` reads the `meta` row in a session: about a millisecond, as much as a whole
cached answer takes to send. A `GenerationWatch` keeps the generation it last read beside a marker
of the store's state that costs microseconds to look at, and reads the `meta` row again only when
the marker moved:

- SQLite: the file's (device, inode, size, mtime) — a new or rewritten file — and `PRAGMA
  data_version` on a connection of its own, which changes whenever another connection commits
  (a build writing in place, WAL or not).
- PostgreSQL: no marker is cheaper than the row itself; it is read on a connection of its own in
  autocommit, one round trip without BEGIN and ROLLBACK, and shared: callers that arrive while a
  read is under way wait for the next read to start and take its answer (a read that started after
  they arrived), so concurrent requests cost one round trip between them, not one each.

The marker is read *before* the generation: a build committing in between pairs an old marker with
the new generation, which is harmless (the old marker never comes back), never a new marker with the
old generation, which would keep a stale answer. So a build is seen from the next request on.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, text

Marker = tuple[Any, ...]


class GenerationWatch:
    """The store's current generation, cheaply; `read` is the full read (a session on `meta`)."""

    def __init__(self, read: Callable[[], str], *, sqlite_file: Path | None, engine: Callable[[], Engine]) -> None:
        self._read = read
        self._file = sqlite_file
        self._engine = engine
        self._lock = threading.Lock()
        self._marker: Marker | None = None
        self._generation: str | None = None
        self._sqlite: sqlite3.Connection | None = None
        self._sqlite_stat: Marker | None = None
        self._pg: Connection | None = None
        self._shared = threading.Condition()  # PostgreSQL: reads shared by the callers waiting for them
        self._arrivals = 0  # callers so far
        self._reading = False
        self._answered: tuple[int, str] | None = None  # (arrivals when the last read started, its answer)

    @property
    def blocks(self) -> bool:
        """True when a call waits on a server (PostgreSQL): an event loop should call it from a thread."""
        return self._file is None

    def current(self) -> str:
        """The generation of the store as it is now (StoreError when there is none)."""
        if self._file is None:
            return self._shared_read()
        with self._lock:
            marker = self._sqlite_marker()
            if marker is not None and marker == self._marker and self._generation is not None:
                return self._generation
            generation = self._read()
            self._marker, self._generation = marker, generation
            return generation

    def close(self) -> None:
        with self._lock:
            self._close_sqlite()
            if self._pg is not None:
                self._pg.close()
                self._pg = None
            self._marker = self._generation = None
        with self._shared:
            self._answered = None

    # -- SQLite -----------------------------------------------------------------------------------

    def _sqlite_marker(self) -> Marker | None:
        """(file state, data_version), or None when the file cannot be watched (the full read decides)."""
        assert self._file is not None
        try:
            stat = os.stat(self._file)
        except OSError:
            self._close_sqlite()
            return None
        file_state = (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns)
        if file_state != self._sqlite_stat:  # another file, or the file rewritten: watch it afresh
            self._close_sqlite()
            try:  # mode=rw: never create a missing store
                self._sqlite = sqlite3.connect(
                    f"file:{self._file}?mode=rw", uri=True, check_same_thread=False, isolation_level=None
                )
                self._sqlite.execute("PRAGMA query_only=ON")
            except sqlite3.Error:
                self._close_sqlite()
                return None
            self._sqlite_stat = file_state
        assert self._sqlite is not None
        try:
            version = self._sqlite.execute("PRAGMA data_version").fetchone()[0]
        except sqlite3.Error:
            self._close_sqlite()
            return None
        return (*file_state, version)

    def _close_sqlite(self) -> None:
        if self._sqlite is not None:
            self._sqlite.close()
        self._sqlite, self._sqlite_stat = None, None

    # -- PostgreSQL -------------------------------------------------------------------------------

    def _shared_read(self) -> str:
        """A read that started after this call arrived: its own, or one another caller started."""
        with self._shared:
            self._arrivals += 1
            arrival = self._arrivals
            while True:
                if self._answered is not None and self._answered[0] >= arrival:
                    return self._answered[1]
                if not self._reading:
                    self._reading, started = True, self._arrivals
                    break
                self._shared.wait()
        answer: str | None = None
        try:
            with self._lock:
                answer = self._postgres_generation()
            return answer
        finally:
            with self._shared:
                self._reading = False
                if answer is not None:
                    self._answered = (started, answer)
                self._shared.notify_all()

    def _postgres_generation(self) -> str:
        """The `generation` meta row, read in autocommit on a connection kept for it; the full read
        when it is missing (an older store) or the connection fails."""
        for _ in range(2):
            try:
                if self._pg is None:
                    self._pg = self._engine().connect().execution_options(isolation_level="AUTOCOMMIT")
                value = self._pg.execute(text("SELECT value FROM meta WHERE key = 'generation'")).scalar()
            except Exception:  # noqa: BLE001 - a dropped connection or a missing table: retry, then read fully
                if self._pg is not None:
                    self._pg.invalidate()
                    self._pg.close()
                    self._pg = None
                continue
            if value is not None:
                return str(value)
            break
        return self._read()
