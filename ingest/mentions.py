"""Head types named in free text (a title, an abstract), through the curated vocabulary.

The text is cut into words (a hyphen, slash or underscore joins words like a space; other
punctuation ends a phrase), each word normalised as `head_key` normalises names (case, accents,
plurals), and its word n-grams are looked up among the spellings of data/heads.yaml, longest first.
A spelling must appear with its "head" word ("induction heads" names Induction Head; "induction"
alone does not); a curated alias without it ("Function Vectors") counts as written. "Induction and
retrieval heads" names both. These are exact mentions, fit for a badge. `near_mentions` adds the
fuzzy guesses ("retrievl heads"), which are only ever shown, never badged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

from headkg.ingest.vocabulary import Vocabulary
from headkg.schema.names import head_key, split_qualifier

T = TypeVar("T")

_WORD = re.compile(r"[^\W_]+")
_JOINERS = re.compile(r"^[\s\-_/–—]*$")  # what may stand between two words of one phrase
_HEAD = "head"
_CONJUNCTIONS = frozenset({"and", "or"})
NEAR_WORDS = 3  # words before "head(s)" tried for a fuzzy match


@dataclass(frozen=True)
class Word:
    key: str  # normalised: casefolded, no accents, singular
    start: int  # span in the original text
    end: int
    phrase: int  # words with the same phrase number are not split by punctuation


def words(text: str) -> list[Word]:
    """The text's words, normalised, with their spans and phrase numbers."""
    found: list[Word] = []
    phrase, last_end = 0, 0
    for match in _WORD.finditer(text):
        if found and not _JOINERS.match(text[last_end : match.start()]):
            phrase += 1
        key = head_key(match.group()) or match.group().casefold()
        found.append(Word(key, match.start(), match.end(), phrase))
        last_end = match.end()
    return found


def phrase_key(text: str) -> tuple[str, ...]:
    """The words of a spelling as `words` reads them in a text: "S-Inhibition Heads" -> (s, inhibition, head)."""
    return tuple(w.key for w in words(text))


@dataclass(frozen=True)
class Match(Generic[T]):
    value: T
    text: str  # the words as written in the text
    start: int
    end: int


class PhraseMatcher(Generic[T]):
    """Finds phrases (tuples of normalised words) in text, longest first, without overlaps."""

    def __init__(self, phrases: Iterable[tuple[tuple[str, ...], T]]) -> None:
        self.phrases: dict[tuple[str, ...], T] = {}
        for key, value in phrases:
            if key:
                self.phrases.setdefault(key, value)
        self.longest = max((len(k) for k in self.phrases), default=0)

    def find(self, text: str, tokens: list[Word] | None = None) -> Iterator[Match[T]]:
        tokens = words(text) if tokens is None else tokens
        i = 0
        while i < len(tokens):
            for n in range(min(self.longest, len(tokens) - i), 0, -1):
                span = tokens[i : i + n]
                if span[0].phrase != span[-1].phrase:
                    continue
                value = self.phrases.get(tuple(w.key for w in span))
                if value is not None:
                    yield Match(value, text[span[0].start : span[-1].end], span[0].start, span[-1].end)
                    i += n
                    break
            else:
                i += 1


@dataclass(frozen=True)
class Mention:
    """A head type named in a text: its slug and canonical name, the words that named it, and for a
    fuzzy guess the similarity score."""

    slug: str
    name: str
    words: str
    exact: bool = True
    score: float | None = None


class HeadScanner:
    """The head types a text names, by the vocabulary's canonical names and curated aliases."""

    def __init__(self, vocabulary: Vocabulary) -> None:
        self.vocabulary = vocabulary
        phrases: list[tuple[tuple[str, ...], str]] = []
        for head in vocabulary.heads:
            for spelling in (head.name, *head.aliases):
                key = phrase_key(split_qualifier(spelling)[0])
                if not key:
                    continue
                if key[-1] != _HEAD:
                    phrases.append((key + (_HEAD,), head.slug))
                    if len(key) == 1:  # one bare word ("Copy") would name a head type in any sentence
                        continue
                phrases.append((key, head.slug))
        self.matcher = PhraseMatcher(phrases)
        # "X and Y heads": X is a head type when "X head" is one
        self.before_head = {key[:-1]: slug for key, slug in self.matcher.phrases.items() if key[-1] == _HEAD}

    def _mention(self, slug: str, text: str) -> Mention:
        return Mention(slug, self.vocabulary.head_by_slug[slug].name, " ".join(text.split()))

    def mentions(self, text: str) -> list[Mention]:
        """Exact mentions, one per head type, in the order the text names them."""
        tokens = words(text)
        found: dict[str, Mention] = {}
        for match in self.matcher.find(text, tokens):
            first = next(i for i, w in enumerate(tokens) if w.start == match.start)
            for slug, start in self._coordinated(tokens, first):
                found.setdefault(slug, self._mention(slug, text[start : match.end]))
            found.setdefault(match.value, self._mention(match.value, match.text))
        return list(found.values())

    def _coordinated(self, tokens: list[Word], first: int) -> list[tuple[str, int]]:
        """Head types named before "and"/"or" in front of a match: "induction and retrieval heads"."""
        at = first - 1
        if at < 1 or tokens[at].key not in _CONJUNCTIONS or tokens[at].phrase != tokens[first].phrase:
            return []
        for n in (2, 1):
            span = tokens[max(0, at - n) : at]
            if len(span) == n and span[0].phrase == tokens[first].phrase:
                slug = self.before_head.get(tuple(w.key for w in span))
                if slug is not None:
                    return [(slug, span[0].start)]
        return []

    def near_mentions(self, text: str, exact: Iterable[Mention] = ()) -> list[Mention]:
        """Fuzzy guesses for "... head(s)" phrases no spelling matches exactly (a typo, a variant):
        shown for a maintainer to judge, never written as a badge."""
        tokens = words(text)
        named = {m.slug for m in exact}
        guessed: dict[str, Mention] = {}
        covered = {w.start for m in self.matcher.find(text, tokens) for w in tokens if m.start <= w.start < m.end}
        for i, word in enumerate(tokens):
            if word.key != _HEAD or word.start in covered:
                continue
            for n in range(1, NEAR_WORDS + 1):
                span = tokens[max(0, i - n) : i + 1]
                if len(span) != n + 1 or span[0].phrase != word.phrase:
                    break
                phrase = text[span[0].start : word.end]
                slug = self.vocabulary.head_index.resolve(phrase)
                if slug is not None and slug not in named and slug not in guessed:
                    best = self.vocabulary.head_index.suggest(phrase, limit=1)
                    score = best[0].score if best and best[0].slug == slug else None
                    guessed[slug] = Mention(
                        slug, self.vocabulary.head_by_slug[slug].name, " ".join(phrase.split()), False, score
                    )
                    break
        return list(guessed.values())
