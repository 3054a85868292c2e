"""What the resolver read of every record of the list, kept by each build, so that the next one can
tell that a record it adds or removes is a paper of its own and leaves every other paper as it was,
without reading the list again (the one-edit build of db/patch.py).

The resolver (ingest/resolve.py) merges records by arXiv id, DOI and equal normalised titles, then
compares titles inside blocks of records sharing one of their rarest words (ingest/same_paper.py).
A record changes nothing else when it shares no identifier or title with any other, no title it is
compared with comes within NEAR_MISS_SCORE, the blocks its word counts move other titles between are
too large to be compared either way, and the blocks keyed by its words hold no pair the resolver
would act on (so their order, which its word counts may change, cannot matter). `stands_alone`
checks exactly that, conservatively: when in doubt it says no, and the build resolves the whole list.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Iterable, Iterator, Mapping

import msgspec
from rapidfuzz import fuzz, process

from headkg.ingest.same_paper import MAX_BLOCK, NEAR_MISS_SCORE, block_words, title_tokens, word_frequency
from headkg.schema.identifiers import doi_key
from headkg.schema.provenance import Provenance
from headkg.schema.sightings import PaperSighting
from headkg.schema.titles import normalize_title

INDEX_KEY = "resolution-index"  # its parse-cache key (never a content hash)


class Indexed(msgspec.Struct, array_like=True, frozen=True):
    """One record as the resolver compares it, and the paper it is part of."""

    source: str  # "file:line"
    title: str  # normalised
    arxiv_id: str | None = None
    doi: str | None = None  # as `doi_key` compares DOIs
    paper: str = ""


class ResolutionIndex(msgspec.Struct):
    """Every record of a build, in file and line order; how many titles have each word, and how many
    titles each word's block holds (those with it among their rarest words)."""

    records: list[Indexed]
    words: dict[str, int]
    blocks: dict[str, int]

    def encode(self) -> str:
        """The index as the parse cache keeps it (the same records give the same text)."""
        return msgspec.json.encode(self, order="deterministic").decode()

    @classmethod
    def decode(cls, payload: str) -> ResolutionIndex:
        return msgspec.json.decode(payload, type=cls)

    @classmethod
    def of(cls, records: Iterable[Indexed]) -> ResolutionIndex:
        ordered = sorted(records, key=lambda e: Provenance.parse(e.source).sort_key())
        counts = dict(word_frequency(title_tokens(e.title) for e in ordered))
        blocks: dict[str, int] = {}
        for e in ordered:  # the words split again, not kept: a list of 100,000 papers has 200,000 titles
            for w in block_words(title_tokens(e.title), counts):
                blocks[w] = blocks.get(w, 0) + 1
        return cls(ordered, counts, blocks)


class Resolution:
    """The index changing one record at a time, each change allowed only when the record stands alone
    (`add`, `remove` say so); the records, word counts and block sizes follow."""

    def __init__(self, index: ResolutionIndex) -> None:
        self.records = list(index.records)
        self.counts = dict(index.words)
        self.blocks = dict(index.blocks)

    def remove(self, record: Indexed) -> bool:
        words = title_tokens(record.title)
        own = set(block_words(words, self.counts))
        self.records = [e for e in self.records if e is not record]
        _recount(self.counts, words, -1)
        _recount(self.blocks, own, -1)
        moved = _stands_alone(record, self.records, self.counts, self.blocks)
        if moved is None:
            return False
        self.blocks.update(moved[0])
        return True

    def add(self, record: Indexed) -> bool:
        moved = _stands_alone(record, self.records, self.counts, self.blocks)
        if moved is None:
            return False
        words = title_tokens(record.title)
        self.records.append(record)
        self.blocks.update(moved[1])
        _recount(self.blocks, set(block_words(words, _Counted(self.counts, words))) - set(moved[1]), 1)
        _recount(self.counts, words, 1)
        return True

    def index(self) -> ResolutionIndex:
        return ResolutionIndex(
            sorted(self.records, key=lambda e: Provenance.parse(e.source).sort_key()), self.counts, self.blocks
        )


def _recount(counts: dict[str, int], words: Iterable[str], by: int) -> None:
    for w in words:
        counts[w] = counts.get(w, 0) + by
        if not counts[w]:
            del counts[w]


def indexed(sighting: PaperSighting, paper: str = "") -> Indexed:
    return Indexed(
        str(sighting.source),
        normalize_title(sighting.title),
        sighting.arxiv_id or None,
        doi_key(sighting.doi) if sighting.doi else None,
        paper,
    )


def index_payload(sightings: Iterable[PaperSighting], paper_of: Mapping[Provenance, str]) -> str:
    """The index of a build's records (`paper_of`: each record's place -> its paper's id)."""
    return ResolutionIndex.of(indexed(s, paper_of.get(s.source, "")) for s in sightings).encode()


class _Counted(Mapping[str, int]):
    """Word counts with one more title's words counted."""

    def __init__(self, counts: Mapping[str, int], words: set[str]) -> None:
        self._counts, self._words = counts, words

    def __getitem__(self, word: str) -> int:
        return self._counts.get(word, 0) + (word in self._words)

    def __iter__(self) -> Iterator[str]:
        return iter(set(self._counts) | self._words)

    def __len__(self) -> int:
        return len(set(self._counts) | self._words)


Sizes = dict[str, int]


def _stands_alone(
    record: Indexed, others: list[Indexed], counts: Mapping[str, int], blocks: Mapping[str, int]
) -> tuple[Sizes, Sizes] | None:
    """Whether `record`, added to `others` (or removed from them), is a paper of its own that changes
    nothing the resolver does with the others; None when it is not. `counts` and `blocks`: the word
    counts and block sizes of `others`. Returns the sizes, without and with the record, of the blocks
    other titles join or leave with its word counts (they must be too large to compare, either way)."""
    if not record.title:
        return None
    for other in others:
        if other.title == record.title or (record.arxiv_id and other.arxiv_id == record.arxiv_id):
            return None
        if record.doi and other.doi == record.doi:
            return None
    words = title_tokens(record.title)
    with_record = _Counted(counts, words)
    titles = _Titles(others)
    own = set(block_words(words, with_record))
    moved: set[str] = set()  # words whose blocks another title joins or leaves with the record's counts
    for w in _reordered(words, counts):
        for _, tokens in titles.having(w):
            moved.update(set(block_words(tokens, counts)) ^ set(block_words(tokens, with_record)))
    without = {w: len(_members(w, titles.having(w), counts)) for w in moved}
    within = {w: len(_members(w, titles.having(w), with_record)) + (w in own) for w in moved}
    if any(min(without[w], within[w]) <= MAX_BLOCK for w in moved):
        return None  # a block compared in one of the two lists has other members in the other
    for w in words:
        if w in moved or min(blocks.get(w, 0), blocks.get(w, 0) + (w in own)) > MAX_BLOCK:
            continue  # too common a word: never compared, with or without the record
        members = _members(w, titles.having(w), counts)
        block = [others[k].title for k in members]
        if w in own and process.extractOne(
            record.title, block, scorer=fuzz.ratio, processor=None, score_cutoff=NEAR_MISS_SCORE
        ):
            return None  # a look-alike in its block: merged with it, or warned about
        if _acts(others, members):
            return None
    return without, within


def _reordered(words: set[str], counts: Mapping[str, int]) -> set[str]:
    """The words (of a title counted once more) that could change places with another word in the
    order by count, then by word: another word counted as often, or once more, on the side the step
    crosses. A word no other title has changes nothing for them."""
    wanted = {counts[w] for w in words if counts.get(w)}
    wanted |= {n + 1 for n in wanted}
    near: dict[int, list[str]] = {}
    for w, n in counts.items():
        if n in wanted:
            near.setdefault(n, []).append(w)
    return {
        w
        for w in words
        if counts.get(w)
        and (
            any(other > w for other in near.get(counts[w], []) if other != w)
            or any(other < w for other in near.get(counts[w] + 1, []))
        )
    }


class _Titles:
    """The records' titles as one text, to find the titles with a word at the speed of `str.find`."""

    def __init__(self, records: list[Indexed]) -> None:
        self.records = records
        self.text = "\n".join(e.title for e in records)
        self.starts = list(itertools.accumulate((len(e.title) + 1 for e in records[:-1]), initial=0))

    def having(self, word: str) -> Iterator[tuple[int, set[str]]]:
        """The records whose titles have `word` among their words (and those words), in record order,
        each found and split only when asked for: a word thousands of titles have is often decided by
        its first few hundred."""
        at = self.text.find(word)
        while at >= 0:
            k = bisect.bisect_right(self.starts, at) - 1
            tokens = title_tokens(self.records[k].title)
            if word in tokens:
                yield k, tokens
            at = self.text.find(word, self.starts[k + 1]) if k + 1 < len(self.starts) else -1


def _members(
    word: str, having: Iterable[tuple[int, set[str]]], counts: Mapping[str, int], limit: int | None = None
) -> list[int]:
    """The titles (of those with `word`) in the block of `word`: those with it among their rarest
    words; at most `limit` of them (enough to know a block is too large to be compared)."""
    found = []
    for k, tokens in having:
        if word in block_words(tokens, counts):
            found.append(k)
            if limit is not None and len(found) >= limit:
                break
    return found


def _acts(records: list[Indexed], members: list[int]) -> bool:
    """Whether the resolver would do anything with a pair of these records in a block: merge two that
    no identifier already joined, or warn of two look-alikes."""
    titles = [records[k].title for k in members]
    for i, title in enumerate(titles):
        later = titles[i + 1 :]
        close = process.extract_iter(title, later, scorer=fuzz.ratio, processor=None, score_cutoff=NEAR_MISS_SCORE)
        for _, _, j in close:
            a, b = records[members[i]], records[members[i + 1 + j]]
            if not ((a.arxiv_id and a.arxiv_id == b.arxiv_id) or (a.doi and a.doi == b.doi)):
                return True
    return False
