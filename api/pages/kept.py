"""What the pages keep between requests: answers that change only when the store is rebuilt
(statistics, vocabularies, analyses, the graph's data), kept per build.

A build is known by its meta rows (input fingerprint, source, commit...): one indexed read per
request tells whether the store was rebuilt, and a rebuild drops everything kept. A store written
without a fingerprint (a library user's own `HeadKG.write`) keeps nothing.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

from headkg.db.store import HeadKG

T = TypeVar("T")
MAX_RECENT = 512  # answers to readers' own queries kept per build; the least recently used goes
_RECENT_LOCK = threading.Lock()


class Build:
    """One build of the store: its meta and the answers kept for it.

    `get` keeps what the pages themselves name (statistics, vocabularies, analyses: a bounded set);
    `recent` keeps the answers to what readers ask (a page of papers, a search) up to MAX_RECENT."""

    def __init__(self, meta: dict[str, str], kept: tuple[dict[str, Any], OrderedDict[str, Any]] | None) -> None:
        self.meta = meta
        self._kept = kept  # None: this store keeps nothing

    def get(self, name: str, compute: Callable[[], T]) -> T:
        """`compute()`, computed once per build (per name). Callers must not change the answer."""
        if self._kept is None:
            return compute()
        values = self._kept[0]
        if name not in values:
            values[name] = compute()
        return values[name]  # type: ignore[no-any-return]

    def recent(self, name: str, compute: Callable[[], T]) -> T:
        """Like `get`, for answers to readers' queries: only the MAX_RECENT last used are kept."""
        if self._kept is None:
            return compute()
        recent = self._kept[1]
        with _RECENT_LOCK:  # readers' threads share the order
            if name in recent:
                recent.move_to_end(name)
                return recent[name]  # type: ignore[no-any-return]
        value = compute()  # outside the lock: two readers may compute the same answer once each
        with _RECENT_LOCK:
            recent[name] = value
            while len(recent) > MAX_RECENT:
                recent.popitem(last=False)
        return value


class Kept:
    """The answers kept for the store's current build."""

    def __init__(self, kg: HeadKG) -> None:
        self.kg = kg
        self._key = ""
        self._kept: tuple[dict[str, Any], OrderedDict[str, Any]] = ({}, OrderedDict())
        self._lock = threading.Lock()

    def current(self) -> Build:
        """The current build (one read of the store's meta)."""
        meta = self.kg.meta()
        if "input_fingerprint" not in meta:
            return Build(meta, None)
        key = hashlib.sha256(repr(sorted(meta.items())).encode()).hexdigest()
        with self._lock:
            if key != self._key:
                self._key, self._kept = key, ({}, OrderedDict())
            return Build(meta, self._kept)
