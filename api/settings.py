"""The one settings object, read from the environment once at the edge (CLI, server)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_data_dir


def default_store() -> str:
    """The SQLite file used when neither --db nor HEADKG_DB says otherwise."""
    return str(Path(user_data_dir("headkg")) / "headkg.sqlite")


@dataclass(frozen=True)
class Settings:
    """Where the store is; `HEADKG_DB` overrides the default SQLite file."""

    db_url: str

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        return cls(db_url=env.get("HEADKG_DB") or default_store())
