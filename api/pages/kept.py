"""What the pages keep between requests: answers that change only when the store is rebuilt
(statistics, vocabularies, analyses, the graph's data), kept per build.

A build is known by its meta rows (input fingerprint, source, commit...): one indexed read per
request tells whether the store was rebuilt, and a rebuild drops everything kept. A store written
without a fingerprint (a library user's own `HeadKG.write`) keeps nothing.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from headkg.db.store import HeadKG

T = TypeVar("T")
MAX_KEPT = 512  # answers per build; the oldest goes first


class Build:
    """One build of the store: its meta and the answers kept for it."""

    def __init__(self, meta: dict[str, str], values: dict[str, Any] | None) -> None:
        self.meta = meta
        self._values = values  # None: this store keeps nothing

    def get(self, name: str, compute: Callable[[], T]) -> T:
        """`compute()`, computed once per build (per name). Callers must not change the answer."""
        if self._values is None:
            return compute()
        if name not in self._values:
            value = compute()
            if len(self._values) >= MAX_KEPT:
                self._values.pop(next(iter(self._values)), None)
            self._values[name] = value
        return self._values[name]  # type: ignore[no-any-return]


class Kept:
    """The answers kept for the store's current build."""

    def __init__(self, kg: HeadKG) -> None:
        self.kg = kg
        self._key = ""
        self._values: dict[str, Any] = {}
        self._lock = threading.Lock()

    def current(self) -> Build:
        """The current build (one read of the store's meta)."""
        meta = self.kg.meta()
        if "input_fingerprint" not in meta:
            return Build(meta, None)
        key = hashlib.sha256(repr(sorted(meta.items())).encode()).hexdigest()
        with self._lock:
            if key != self._key:
                self._key, self._values = key, {}
            return Build(meta, self._values)
