"""`headkg check --base REV --db URL`: the check of a change, reading only what changed, with a store
built from REV standing for everything that did not."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from headkg.ingest.check_base import check_against_revision
from headkg.schema.findings import CheckedFinding

if TYPE_CHECKING:
    from headkg.db.store import HeadKG


def check_change(kg: HeadKG, root: Path, base: str, *, today: dt.date | None = None) -> list[CheckedFinding]:
    """The findings of the checkout at `root`, new or old against `base`."""
    return check_against_revision(root, base, today=today)
