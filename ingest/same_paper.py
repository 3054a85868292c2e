"""Whether two records are the same paper: the one rule that the resolver (merging the list's
sightings) and `headkg add` (refusing a paper the list already has) both follow.

Identifiers decide first: a shared arXiv id or DOI is the same paper. Titles come next: equal
normalised titles, or titles at `MERGE_SCORE` or closer (rapidfuzz ratio on normalised titles), but
two records whose arXiv ids or DOIs differ, or whose years are more than one apart, are kept apart
however alike their titles (`conflict`). Titles from `NEAR_MISS_SCORE` up are near misses, worth a
warning. Titles are only compared within blocks of records that share one of their rarest title
words, never all pairs, so a list of 100,000 papers costs about one pass.

`PaperMatcher` asks the rule of one paper against many records, and `matches` is the rule as
adding a paper applies it (`headkg add`, `headkg discover`):

>>> matcher = PaperMatcher(sightings)  # doctest: +SKIP
>>> matcher.find(arxiv_id="2404.15574", title="Retrieval Head Mechanistically Explains ...")  # doctest: +SKIP
Match(record=..., index=12, reason='same arXiv id 2404.15574', score=100.0, conflict=None)
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

from rapidfuzz import fuzz

from headkg.ingest.readme import README
from headkg.schema.findings import Findings
from headkg.schema.identifiers import doi_key
from headkg.schema.provenance import Provenance
from headkg.schema.titles import normalize_title

MERGE_SCORE = 94.0  # titles this close are the same paper unless their identifiers or years disagree
NEAR_MISS_SCORE = 85.0  # this close but below MERGE_SCORE: kept apart, and worth a warning
YEARS_APART = 1  # a paper's records may differ by a year (preprint, then venue); more is two papers
BLOCK_TOKENS = 3  # the rarest title words of each record that form its blocks
MAX_BLOCK = 200  # in a batch, a block larger than this is too common a word to compare within

# Words too common to tell two titles apart; never used as blocking words.
STOPWORDS = frozenset(
    "a an and are as at by for from how in into is it of on or the their through to via what when "
    "which with language model models large llm llms transformer transformers attention head heads".split()
)


class PaperLike(Protocol):
    """What the rule reads of a record: a sighting, a paper, a submission..."""

    @property
    def title(self) -> str: ...
    @property
    def arxiv_id(self) -> str | None: ...
    @property
    def doi(self) -> str | None: ...
    @property
    def year(self) -> int | None: ...
    @property
    def date(self) -> dt.date | None: ...


Record = TypeVar("Record", bound=PaperLike)


def year_of(record: PaperLike) -> int | None:
    """The year a record gives: its date's, else its year."""
    return record.date.year if record.date else record.year


def title_tokens(normalized: str) -> set[str]:
    """Distinctive words of a normalised title, for blocking."""
    return {w for w in normalized.split() if w not in STOPWORDS and len(w) > 2}


def title_score(a: str, b: str) -> float:
    """How alike two normalised titles are, 0 to 100."""
    return float(fuzz.ratio(a, b, processor=None))


@dataclass
class Evidence:
    """What a paper (or a group of records already found to be one paper) is known by."""

    arxiv_ids: set[str] = field(default_factory=set)
    dois: set[str] = field(default_factory=set)
    years: set[int] = field(default_factory=set)

    @classmethod
    def of(cls, record: PaperLike) -> Evidence:
        year = year_of(record)
        return cls(
            {record.arxiv_id} if record.arxiv_id else set(),
            {doi_key(record.doi)} if record.doi else set(),
            {year} if year else set(),
        )

    def absorb(self, other: Evidence) -> None:
        """Take in another record's evidence (the two are now one paper)."""
        self.arxiv_ids |= other.arxiv_ids
        self.dois |= other.dois
        self.years |= other.years


def conflict(a: Evidence, b: Evidence) -> str | None:
    """Why two look-alikes cannot be one paper (different arXiv ids or DOIs, years apart), or None."""
    if a.arxiv_ids and b.arxiv_ids and not a.arxiv_ids & b.arxiv_ids:
        return f"different arXiv ids ({', '.join(sorted(a.arxiv_ids | b.arxiv_ids))})"
    if a.dois and b.dois and not a.dois & b.dois:
        return "different DOIs"
    if a.years and b.years and min(abs(x - y) for x in a.years for y in b.years) > YEARS_APART:
        return f"years {min(a.years)} and {min(b.years)}"
    return None


def word_frequency(tokens: Iterable[set[str]]) -> dict[str, int]:
    """How many titles have each word (each title's words as `title_tokens` gives them)."""
    frequency: dict[str, int] = defaultdict(int)
    for words in tokens:
        for w in words:
            frequency[w] += 1
    return frequency


def block_words(words: set[str], frequency: Mapping[str, int]) -> list[str]:
    """The blocks a title joins in a batch: its BLOCK_TOKENS rarest words (ties by the word)."""
    return sorted(words, key=lambda w: (frequency[w], w))[:BLOCK_TOKENS]


def candidate_pairs(titles: list[str]) -> Iterator[tuple[int, int]]:
    """Pairs (i < j) of normalised titles that share one of their rarest words: the only pairs a
    batch compares. Words shared by more than MAX_BLOCK titles are too common to block on."""
    tokens = [title_tokens(t) for t in titles]
    frequency = word_frequency(tokens)
    blocks: dict[str, list[int]] = defaultdict(list)
    for i, words in enumerate(tokens):
        for w in block_words(words, frequency):
            blocks[w].append(i)
    seen: set[tuple[int, int]] = set()
    for members in blocks.values():
        if len(members) > MAX_BLOCK:
            continue
        for x, a in enumerate(members):
            for b in members[x + 1 :]:
                if (a, b) not in seen:
                    seen.add((a, b))
                    yield a, b


@dataclass(frozen=True)
class Match(Generic[Record]):
    """A record that is (or nearly is) the paper asked about, and why.

    `reason` says what matched ("same arXiv id 2404.15574", "same DOI …", "same title", "title
    similarity 96"); `score` is 100 for identifiers and equal titles. `conflict` is set when only
    the titles match and the identifiers or years disagree: the resolver keeps such records apart.
    """

    record: Record
    index: int
    reason: str
    score: float
    conflict: str | None = None

    @property
    def by_identifier(self) -> bool:
        return self.reason.startswith(("same arXiv id", "same DOI"))

    @property
    def same_paper(self) -> bool:
        """Whether the resolver would merge the two: an identifier, or a close title without conflict."""
        return self.by_identifier or (self.score >= MERGE_SCORE and self.conflict is None)


class PaperMatcher(Generic[Record]):
    """The records of a list, indexed so that "is this paper one of them?" costs a few lookups.

    Records are indexed by arXiv id, DOI, normalised title and title words; a title is compared
    (rapidfuzz) only with the records that share one of its BLOCK_TOKENS rarest words.
    """

    def __init__(self, records: Iterable[Record] = ()) -> None:
        self.records: list[Record] = []
        self._titles: list[str] = []
        self._evidence: list[Evidence] = []
        self._by_arxiv: dict[str, list[int]] = defaultdict(list)
        self._by_doi: dict[str, list[int]] = defaultdict(list)
        self._by_title: dict[str, list[int]] = defaultdict(list)
        self._by_word: dict[str, list[int]] = defaultdict(list)
        for record in records:
            self.add(record)

    def __len__(self) -> int:
        return len(self.records)

    def add(self, record: Record) -> None:
        """Index one more record (e.g. a row just planned, so that the next paper is compared with it)."""
        i, title = len(self.records), normalize_title(record.title)
        self.records.append(record)
        self._titles.append(title)
        self._evidence.append(Evidence.of(record))
        if record.arxiv_id:
            self._by_arxiv[record.arxiv_id].append(i)
        if record.doi:
            self._by_doi[doi_key(record.doi)].append(i)
        if title:
            self._by_title[title].append(i)
        for word in _blocking_words(title):
            self._by_word[word].append(i)

    def matches(
        self,
        *,
        title: str = "",
        arxiv_id: str | None = None,
        doi: str | None = None,
        year: int | None = None,
    ) -> list[Match[Record]]:
        """Every record that is this paper or a near miss (NEAR_MISS_SCORE and up), in record order."""
        asked = normalize_title(title)
        evidence = Evidence(
            {arxiv_id} if arxiv_id else set(), {doi_key(doi)} if doi else set(), {year} if year else set()
        )
        found: dict[int, Match[Record]] = {}
        for i in self._by_arxiv.get(arxiv_id, []) if arxiv_id else []:
            found[i] = Match(self.records[i], i, f"same arXiv id {arxiv_id}", 100.0)
        for i in self._by_doi.get(doi_key(doi), []) if doi else []:
            found.setdefault(i, Match(self.records[i], i, f"same DOI {doi}", 100.0))
        for i in self._title_candidates(asked):
            if i in found:
                continue
            score = 100.0 if self._titles[i] == asked else title_score(asked, self._titles[i])
            if score >= NEAR_MISS_SCORE:
                reason = "same title" if self._titles[i] == asked else f"title similarity {score:.0f}"
                found[i] = Match(self.records[i], i, reason, score, conflict(evidence, self._evidence[i]))
        return [found[i] for i in sorted(found)]

    def find(
        self,
        *,
        title: str = "",
        arxiv_id: str | None = None,
        doi: str | None = None,
        year: int | None = None,
    ) -> Match[Record] | None:
        """The record this paper is, or None: a shared identifier first, then the closest title at
        MERGE_SCORE or above, one the resolver would merge before one it would keep apart."""
        close = [m for m in self.matches(title=title, arxiv_id=arxiv_id, doi=doi, year=year) if m.score >= MERGE_SCORE]
        if not close:
            return None
        return min(close, key=lambda m: (not m.by_identifier, m.conflict is not None, -m.score, m.index))

    def candidates(self, *, title: str = "", arxiv_id: str | None = None, doi: str | None = None) -> list[Record]:
        """The records a paper is compared with: those sharing its arXiv id, DOI or normalised title,
        or one of its BLOCK_TOKENS rarest title words; never all of them."""
        found = set(self._title_candidates(normalize_title(title)))
        found.update(self._by_arxiv.get(arxiv_id, []) if arxiv_id else [])
        found.update(self._by_doi.get(doi_key(doi), []) if doi else [])
        return [self.records[i] for i in sorted(found)]

    def _title_candidates(self, asked: str) -> Iterable[int]:
        """Records with the same title, and those sharing one of the title's rarest indexed words."""
        if not asked:
            return []
        words = sorted(
            (w for w in _blocking_words(asked) if w in self._by_word), key=lambda w: (len(self._by_word[w]), w)
        )
        found = set(self._by_title.get(asked, []))
        for word in words[:BLOCK_TOKENS]:
            found.update(self._by_word[word])
        return sorted(found)


def _blocking_words(normalized: str) -> set[str]:
    """The words a title is blocked by: its distinctive words, or all of them when it has none."""
    return title_tokens(normalized) or set(normalized.split())


class Sighted(PaperLike, Protocol):
    """A record that says where it was seen (a sighting): what `matches` names in its messages."""

    @property
    def source(self) -> Provenance: ...


Seen = TypeVar("Seen", bound=Sighted)


def matches(
    known: PaperMatcher[Seen] | Iterable[Seen],
    title: str,
    date: dt.date | None,
    arxiv_id: str | None,
    doi: str | None,
    warnings: Findings,
    where: str = README,
) -> list[tuple[Seen, str]]:
    """The known records a new paper would duplicate, with why, in their order; near misses become
    warnings (at `where`). For adding a paper, so stricter than the resolver: a title as close as the
    resolver merges at counts even when arXiv ids or years differ ("…, though different arXiv ids"),
    since two papers that alike are for a maintainer to add by hand."""
    matcher = known if isinstance(known, PaperMatcher) else PaperMatcher(known)
    found: list[tuple[Seen, str]] = []
    year = date.year if date else None
    for match in matcher.matches(title=title, arxiv_id=arxiv_id, doi=doi, year=year):
        record = match.record
        if match.score >= MERGE_SCORE:
            found.append((record, f"{match.reason}, though {match.conflict}" if match.conflict else match.reason))
        else:
            warnings.warn(
                where,
                None,
                f"the title looks like '{record.title}' at {record.source} ({match.score:.0f})",
                "if it is the same paper, do not add it twice",
                code="paper.similar-title",
            )
    return found
