"""headkg: the knowledge graph of attention-head research.

The repository keeps `schema/`, `ingest/`, `db/`, `api/` and `data/` at its top level; they install
as `headkg.schema`, `headkg.ingest`, `headkg.db`, `headkg.api` and `headkg.data`, so nothing but
`headkg` lands in site-packages. `HeadKG` is the root object: `from headkg import HeadKG`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.2.0"

if TYPE_CHECKING:
    from headkg.db.store import HeadKG

__all__ = ["HeadKG", "__version__"]


def __getattr__(name: str) -> Any:
    """`HeadKG` is imported on first use, so `headkg --version` and the CLI start fast."""
    if name == "HeadKG":
        from headkg.db.store import HeadKG

        return HeadKG
    raise AttributeError(f"module 'headkg' has no attribute {name!r}")
