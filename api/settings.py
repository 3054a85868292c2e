"""The one settings object, read from the environment once at the edge (CLI, server)."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_data_dir

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
    """

    db_url: str
    upstream_url: str = UPSTREAM_URL
    network_timeout: float = DEFAULT_TIMEOUT

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        return cls(
            db_url=env.get("HEADKG_DB") or default_store(),
            upstream_url=env.get("HEADKG_UPSTREAM") or UPSTREAM_URL,
            network_timeout=_seconds(env.get("HEADKG_NETWORK_TIMEOUT"), "HEADKG_NETWORK_TIMEOUT"),
        )

    def upstream(self) -> Upstream:
        """Where the build finds the list without --source (the cache dir comes from platformdirs)."""
        return Upstream(url=self.upstream_url, timeout=self.network_timeout)


def _seconds(text: str | None, name: str) -> float:
    if not text:
        return DEFAULT_TIMEOUT
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        raise SettingsError(f"{name}={text!r}: give a number of seconds above 0, e.g. {name}=10")
    return value
