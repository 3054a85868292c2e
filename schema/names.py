"""Forgiving name matching for head types: one normalised key per spelling, exact lookup first,
rapidfuzz suggestions second.

A contract between ingest (which canonicalises the list's names and writes their keys) and db
(which answers `--head` by the same keys), so it lives below both.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process

_QUALIFIER = re.compile(r"\s*\(([^()]*)\)\s*$")
_SEPARATORS = re.compile(r"[-_/–—]+")
_NOT_WORD = re.compile(r"[^\w\s]+")
_KEEP_S = ("ss", "us", "is", "os")


def split_qualifier(name: str) -> tuple[str, str | None]:
    """'Negative Head (BDT)' -> ('Negative Head', 'BDT'): the task is an attribute, not the name."""
    match = _QUALIFIER.search(name)
    if not match:
        return name.strip(), None
    base = name[: match.start()].strip()
    if not base:  # "(BDT)" alone is a name, not a qualifier of nothing
        return name.strip(), None
    return base, match.group(1).strip() or None


def _singular(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(_KEEP_S):
        return word[:-1]
    return word


@lru_cache(maxsize=65536)
def head_key(name: str) -> str:
    """The spelling-insensitive key of a head name.

    Case, accents, '-'/'_' versus space, plurals and a trailing 'head' do not change it:
    >>> head_key("S-Inhibition Heads") == head_key("s inhibition head") == "s inhibition"
    True
    """
    base, _ = split_qualifier(name)
    text = unicodedata.normalize("NFKD", base)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = _SEPARATORS.sub(" ", text)
    text = _NOT_WORD.sub(" ", text)
    words = [_singular(w) for w in text.split()]
    if len(words) > 1 and words[-1] == "head":
        words.pop()
    return " ".join(words)


def slugify(text: str) -> str:
    """URL-safe slug: 'S-Inhibition Head' -> 's-inhibition-head'."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


@dataclass(frozen=True)
class Suggestion:
    slug: str
    name: str
    score: float


class NameIndex:
    """Maps every known spelling (by `head_key`) to one slug, and suggests close names."""

    def __init__(self, spellings: Iterable[tuple[str, str]], names: Mapping[str, str]) -> None:
        """`spellings` are (spelling, slug) pairs; `names` maps slug -> display name."""
        self._by_key: dict[str, str] = {}
        for spelling, slug in spellings:
            key = head_key(spelling)
            if key:
                self._by_key.setdefault(key, slug)
        self._names = dict(names)
        self._keys = sorted(self._by_key)

    def __contains__(self, name: str) -> bool:
        return head_key(name) in self._by_key

    def exact(self, name: str) -> str | None:
        """The slug whose spelling has the same key, or None."""
        return self._by_key.get(head_key(name))

    def suggest(self, name: str, limit: int = 3, cutoff: float = 70.0) -> list[Suggestion]:
        """Closest known head types, best first, one entry per slug."""
        key = head_key(name)
        if not key or not self._keys:
            return []
        hits = process.extract(key, self._keys, scorer=fuzz.WRatio, processor=None, limit=limit * 4)
        seen: dict[str, Suggestion] = {}
        for matched_key, score, _ in hits:
            if score < cutoff:
                continue
            slug = self._by_key[matched_key]
            if slug not in seen:
                seen[slug] = Suggestion(slug, self._names.get(slug, slug), round(float(score), 1))
        return sorted(seen.values(), key=lambda s: (-s.score, s.name))[:limit]

    def resolve(self, name: str, typo_cutoff: float = 88.0) -> str | None:
        """The slug for a user's query: exact key, else one clear fuzzy winner (small typos)."""
        slug = self.exact(name)
        if slug:
            return slug
        key = head_key(name)
        if not key or not self._keys:
            return None
        hits = process.extract(key, self._keys, scorer=fuzz.ratio, processor=None, limit=2)
        if not hits or hits[0][1] < typo_cutoff:
            return None
        best_slug = self._by_key[hits[0][0]]
        if len(hits) > 1 and hits[1][1] >= hits[0][1] - 3 and self._by_key[hits[1][0]] != best_slug:
            return None  # two candidates too close to call: let the caller show suggestions
        return best_slug
