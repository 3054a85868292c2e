"""The one settings object, read from the environment once at the edge (CLI, server)."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_data_dir

from headkg.db.build import DEFAULT_MAX_SHRINK
from headkg.db.lock import DEFAULT_LOCK_TIMEOUT
from headkg.db.store import HeadKG
from headkg.ingest.source import DEFAULT_TIMEOUT, UPSTREAM_URL, Upstream
from headkg.schema.exceptions import SettingsError


def default_store() -> str:
    """The SQLite file used when neither --db nor HEADKG_DB says otherwise."""
    return str(Path(user_data_dir("headkg")) / "headkg.sqlite")


@dataclass(frozen=True)
class Settings:
    """Everything headkg reads from the environment.

    - `HEADKG_DB`: the store (a SQLAlchemy URL or SQLite file; default: a file in the user data dir).
    - `HEADKG_UPSTREAM`: the list `headkg build` clones without --source (default: the list on GitHub).
    - `HEADKG_NETWORK_TIMEOUT`: seconds without an answer before the upstream counts as unreachable
      and the build goes on offline (default 10).
    - `HEADKG_PG_SCHEMA`: the PostgreSQL schema of the store when its URL names none with
      `options=-csearch_path=NAME` (default `headkg`).
    - `HEADKG_LOCK_TIMEOUT`: seconds a build waits for another build of the same store (default 60).
    - `HEADKG_MAX_SHRINK`: percent of the store's papers a build may remove without --allow-shrink (default 10).
    """

    db_url: str
    upstream_url: str = UPSTREAM_URL
    network_timeout: float = DEFAULT_TIMEOUT
    pg_schema: str | None = None
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT
    max_shrink: float = DEFAULT_MAX_SHRINK * 100

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        return cls(
            db_url=env.get("HEADKG_DB") or default_store(),
            upstream_url=env.get("HEADKG_UPSTREAM") or UPSTREAM_URL,
            network_timeout=_seconds(env.get("HEADKG_NETWORK_TIMEOUT"), "HEADKG_NETWORK_TIMEOUT"),
            pg_schema=env.get("HEADKG_PG_SCHEMA") or None,
            lock_timeout=_seconds(env.get("HEADKG_LOCK_TIMEOUT"), "HEADKG_LOCK_TIMEOUT", DEFAULT_LOCK_TIMEOUT),
            max_shrink=_percent(env.get("HEADKG_MAX_SHRINK"), "HEADKG_MAX_SHRINK"),
        )

    def open_store(self, db: str | None = None, *, read_only: bool = False) -> HeadKG:
        """The store at `db` (default: HEADKG_DB) with this schema and lock timeout."""
        return HeadKG(db or self.db_url, read_only=read_only, schema=self.pg_schema, lock_timeout=self.lock_timeout)

    def upstream(self) -> Upstream:
        """Where the build finds the list without --source (the cache dir comes from platformdirs)."""
        return Upstream(url=self.upstream_url, timeout=self.network_timeout)


def _seconds(text: str | None, name: str, default: float = DEFAULT_TIMEOUT) -> float:
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        raise SettingsError(f"{name}={text!r}: give a number of seconds above 0, e.g. {name}=10")
    return value


def _percent(text: str | None, name: str) -> float:
    if not text:
        return DEFAULT_MAX_SHRINK * 100
    try:
        value = float(text.strip().rstrip("%"))
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or not 0 <= value <= 100:
        raise SettingsError(f"{name}={text!r}: give a percent from 0 to 100, e.g. {name}=10")
    return value
