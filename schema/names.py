"""Forgiving name matching for every vocabulary (head types, stages, methods, benchmarks, model
families, topics): one normalised key per spelling, exact lookup first, then word subsets, then
small typos, rapidfuzz suggestions last.

A contract between ingest (which canonicalises the list's names and writes their keys) and db
(which answers `--head`, `--method`... by the same keys), so it lives below both.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

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
    if not text.isascii():  # accents dropped (NFKD leaves ASCII as it is: most names need no pass)
        text = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return _NOT_SLUG.sub("-", text.casefold()).strip("-")


_NOT_SLUG = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class Suggestion:
    slug: str
    name: str
    score: float


How = Literal["exact", "words", "typo", "ambiguous", "unknown"]


@dataclass(frozen=True)
class Lookup:
    """What a user's name means: one `slug` (found `how`), or none and `candidates` to suggest
    (the tied names when it is `ambiguous`, the closest names when it is `unknown`)."""

    query: str
    slug: str | None
    how: How
    candidates: list[Suggestion] = field(default_factory=list)


WORD_TYPO_CUTOFF = 85.0  # a misspelt word of five letters or more still matches its word
SHORT_WORD = 5  # shorter words must match exactly
FEW_NAMES = 10  # a vocabulary this small is suggested whole when nothing is close (stages: KR, ICI...)


class NameIndex:
    """Maps every known spelling (by `head_key`) to one slug, and suggests close names.

    `lookup` is the one forgiving resolver behind every filter of a query (`--head`, `--method`,
    `--benchmark`, `--model`, `--stage`, `--topic`) and `/heads/resolve`; `resolve` is the stricter
    one ingest uses on the list's own names (exact or a small typo, never a word subset).
    """

    def __init__(self, spellings: Iterable[tuple[str, str]], names: Mapping[str, str]) -> None:
        """`spellings` are (spelling, slug) pairs; `names` maps slug -> display name."""
        self._by_key: dict[str, str] = {}
        for spelling, slug in spellings:
            key = head_key(spelling)
            if key:
                self._by_key.setdefault(key, slug)
        self._names = dict(names)
        self._keys = sorted(self._by_key)
        self._words = {key: frozenset(key.split()) for key in self._keys}

    def __contains__(self, name: str) -> bool:
        return head_key(name) in self._by_key

    def exact(self, name: str) -> str | None:
        """The slug whose spelling has the same key, or None."""
        return self._by_key.get(head_key(name))

    def suggest(self, name: str, limit: int = 3, cutoff: float = 70.0) -> list[Suggestion]:
        """Closest known names, best first, one entry per slug."""
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
                seen[slug] = self._suggestion(slug, score)
        return sorted(seen.values(), key=lambda s: (-s.score, s.name))[:limit]

    def resolve(self, name: str, typo_cutoff: float = 88.0) -> str | None:
        """The slug for a name of the list: exact key, else one clear fuzzy winner (small typos)."""
        slug = self.exact(name)
        if slug:
            return slug
        winners = self._typo(head_key(name), typo_cutoff)
        return winners[0] if len(winners) == 1 else None

    def lookup(self, name: str) -> Lookup:
        """What a user means by `name`: the same key (case, accents, hyphens, plurals); else the
        one name holding all its words ("activation patching" -> "Naïve Activation Patching"); else
        one clear winner over small typos, whole name or word by word. Two or more equally good
        names are a tie: no guess, the tied names come back as candidates."""
        key = head_key(name)
        if key in self._by_key:
            return Lookup(name, self._by_key[key], "exact")
        if not key or not self._keys:
            return Lookup(name, None, "unknown")
        words = key.split()
        for how, slugs in (
            ("words", self._holding(words, fuzzy=False)),
            ("typo", self._typo(key)),
            ("typo", self._holding(words, fuzzy=True)),
        ):
            if len(slugs) == 1:
                return Lookup(name, slugs[0], how)  # type: ignore[arg-type]
            if slugs:
                tied = [self._suggestion(s, fuzz.WRatio(key, head_key(self._names.get(s, s)))) for s in slugs]
                return Lookup(name, None, "ambiguous", sorted(tied, key=lambda s: (-s.score, s.name)))
        close = self.suggest(name, limit=5)
        if not close and len(self._names) <= FEW_NAMES:
            close = [Suggestion(slug, display, 0.0) for slug, display in self._names.items()]
        return Lookup(name, None, "unknown", close)

    def _suggestion(self, slug: str, score: float) -> Suggestion:
        return Suggestion(slug, self._names.get(slug, slug), round(float(score), 1))

    def _typo(self, key: str, cutoff: float = 88.0) -> list[str]:
        """The slug whose whole key is within a small typo of `key`; several when two are too close to call."""
        if not key or not self._keys:
            return []
        hits = process.extract(key, self._keys, scorer=fuzz.ratio, processor=None, limit=2)
        if not hits or hits[0][1] < cutoff:
            return []
        best = self._by_key[hits[0][0]]
        if len(hits) > 1 and hits[1][1] >= hits[0][1] - 3 and self._by_key[hits[1][0]] != best:
            return sorted({best, self._by_key[hits[1][0]]})
        return [best]

    def _holding(self, words: list[str], *, fuzzy: bool) -> list[str]:
        """The slugs with a spelling that holds every one of `words` (each close to one of its
        words when `fuzzy`: a typo in a word of five letters or more)."""

        def has(word: str, own: frozenset[str]) -> bool:
            if word in own:
                return True
            return fuzzy and len(word) >= SHORT_WORD and any(fuzz.ratio(word, w) >= WORD_TYPO_CUTOFF for w in own)

        found = {self._by_key[k] for k in self._keys if all(has(w, self._words[k]) for w in words)}
        return sorted(found)
