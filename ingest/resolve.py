"""Entity resolution: which sightings (README rows, bib entries) are the same real paper.

Identifiers first (arXiv id, DOI), then exact normalised titles, then rapidfuzz inside small
blocks of sightings that share a rare title word (never all pairs). Two clusters whose
identifiers or years disagree are never merged, however alike their titles; near misses are
reported as warnings so a maintainer can look.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Iterable

from rapidfuzz import fuzz

from headkg.ingest.names import slugify
from headkg.ingest.titles import normalize_title, title_tokens
from headkg.schema.findings import Findings
from headkg.schema.graph import Paper
from headkg.schema.provenance import Provenance
from headkg.schema.sightings import PaperSighting

MERGE_SCORE = 94.0  # fuzz.ratio on normalised titles at or above which compatible sightings merge
NEAR_MISS_SCORE = 85.0  # at or above this, but kept apart: reported as a warning
BLOCK_TOKENS = 3  # the rarest title words of each sighting that form its blocks
MAX_BLOCK = 200  # a block larger than this is too common a word to compare within


class _Clusters:
    """Union-find over sighting indexes, keeping each cluster's identifiers to refuse conflicts."""

    def __init__(self, sightings: list[PaperSighting]) -> None:
        self.parent = list(range(len(sightings)))
        self.arxiv = [{s.arxiv_id} if s.arxiv_id else set() for s in sightings]
        self.doi = [{s.doi.casefold()} if s.doi else set() for s in sightings]
        self.years = [{y} if (y := _year(s)) else set() for s in sightings]

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def conflict(self, a: int, b: int) -> str | None:
        """Why clusters a and b cannot be one paper, or None when they can."""
        ra, rb = self.find(a), self.find(b)
        if self.arxiv[ra] and self.arxiv[rb] and not self.arxiv[ra] & self.arxiv[rb]:
            return f"different arXiv ids ({', '.join(sorted(self.arxiv[ra] | self.arxiv[rb]))})"
        if self.doi[ra] and self.doi[rb] and not self.doi[ra] & self.doi[rb]:
            return "different DOIs"
        years_a, years_b = self.years[ra], self.years[rb]
        if years_a and years_b and min(abs(x - y) for x in years_a for y in years_b) > 1:
            return f"years {min(years_a)} and {min(years_b)}"
        return None

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        keep, drop = min(ra, rb), max(ra, rb)
        self.parent[drop] = keep
        self.arxiv[keep] |= self.arxiv[drop]
        self.doi[keep] |= self.doi[drop]
        self.years[keep] |= self.years[drop]

    def groups(self) -> list[list[int]]:
        members: dict[int, list[int]] = defaultdict(list)
        for i in range(len(self.parent)):
            members[self.find(i)].append(i)
        return sorted(members.values(), key=lambda m: m[0])


def _year(s: PaperSighting) -> int | None:
    return s.date.year if s.date else s.year


def _union_on(clusters: _Clusters, keys: Iterable[tuple[str | None, int]]) -> None:
    first: dict[str, int] = {}
    for key, i in keys:
        if not key:
            continue
        if key in first:
            clusters.union(first[key], i)
        else:
            first[key] = i


def cluster(sightings: list[PaperSighting], findings: Findings) -> list[list[PaperSighting]]:
    """Group sightings into real papers; each group is one paper."""
    clusters = _Clusters(sightings)
    _union_on(clusters, ((s.arxiv_id, i) for i, s in enumerate(sightings)))
    _union_on(clusters, ((s.doi.casefold() if s.doi else None, i) for i, s in enumerate(sightings)))

    titles = [normalize_title(s.title) for s in sightings]
    by_title: dict[str, list[int]] = defaultdict(list)
    for i, t in enumerate(titles):
        if t:
            by_title[t].append(i)
    for members in by_title.values():
        for other in members[1:]:
            _merge_or_report(clusters, sightings, members[0], other, 100.0, findings)

    reported: set[tuple[int, int]] = set()
    for a, b in _candidate_pairs(titles):
        root_a, root_b = clusters.find(a), clusters.find(b)
        if root_a == root_b or (min(root_a, root_b), max(root_a, root_b)) in reported:
            continue
        score = fuzz.ratio(titles[a], titles[b], processor=None)
        if score >= NEAR_MISS_SCORE and not _merge_or_report(clusters, sightings, a, b, score, findings):
            reported.add((min(root_a, root_b), max(root_a, root_b)))

    groups = [[sightings[i] for i in group] for group in clusters.groups()]
    for group in groups:
        _report_duplicates(group, findings)
    return groups


def _candidate_pairs(titles: list[str]) -> Iterable[tuple[int, int]]:
    """Pairs of sightings that share one of their rarest title words: the only pairs compared."""
    tokens = [title_tokens(t) for t in titles]
    frequency: dict[str, int] = defaultdict(int)
    for words in tokens:
        for w in words:
            frequency[w] += 1
    blocks: dict[str, list[int]] = defaultdict(list)
    for i, words in enumerate(tokens):
        for w in sorted(words, key=lambda w: (frequency[w], w))[:BLOCK_TOKENS]:
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


def _merge_or_report(
    clusters: _Clusters, sightings: list[PaperSighting], a: int, b: int, score: float, findings: Findings
) -> bool:
    """Merge a and b when nothing forbids it; else warn. True when merged."""
    reason = clusters.conflict(a, b)
    if reason is None and score >= MERGE_SCORE:
        clusters.union(a, b)
        return True
    later = max(sightings[a], sightings[b], key=lambda s: s.source.sort_key())
    earlier = sightings[a] if later is sightings[b] else sightings[b]
    why = f"kept apart: {reason}" if reason else f"kept apart: title similarity {score:.0f} < {MERGE_SCORE:.0f}"
    findings.warn(
        later.source.file,
        later.source.line,
        f"title '{later.title}' looks like '{earlier.title}' at {earlier.source} ({why})",
        "if they are the same paper, give both the same arXiv id or DOI; if not, ignore this warning",
        code="paper.similar-title",
    )
    return False


def _report_duplicates(group: list[PaperSighting], findings: Findings) -> None:
    """A paper listed twice in the same kind of source is a defect of the list worth fixing."""
    for kind, label in (("readme", "README rows"), ("bib", "bib entries")):
        same = sorted((s for s in group if s.kind == kind), key=lambda s: s.source.sort_key())
        for dup in same[1:]:
            what = f" (key {dup.bib_key}, first as {same[0].bib_key})" if kind == "bib" else ""
            findings.warn(
                dup.source.file,
                dup.source.line,
                f"duplicate {label[:-1] if kind == 'readme' else 'bib entry'}{what}: same paper as {same[0].source}",
                f"remove one of the two {label}, or merge them",
                code="paper.duplicate",
            )


def _first(values: Iterable[object]) -> object | None:
    return next((v for v in values if v), None)


def merge(group: list[PaperSighting]) -> Paper:
    """One paper from its sightings: README wording first, bib metadata where README has none."""
    ordered = sorted(group, key=lambda s: (s.kind != "readme", s.source.sort_key()))
    readme = [s for s in ordered if s.kind == "readme"]
    bib = [s for s in ordered if s.kind == "bib"]
    date = _first(s.date for s in readme) or _first(s.date for s in bib)
    year = date.year if date else _first(s.year for s in ordered)  # type: ignore[union-attr]
    urls: list[str] = []
    for s in ordered:
        urls.extend(u for u in s.urls if u not in urls)
    topics: list[str] = []
    for s in bib:
        if s.topic and s.topic not in topics:
            topics.append(s.topic)
    return Paper(
        id="",
        title=ordered[0].title,
        authors=next((s.authors for s in bib if s.authors), next((s.authors for s in readme if s.authors), [])),
        year=year,  # type: ignore[arg-type]
        date=date,  # type: ignore[arg-type]
        venue=_first(s.venue for s in ordered),  # type: ignore[arg-type]
        arxiv_id=_first(s.arxiv_id for s in ordered),  # type: ignore[arg-type]
        doi=_first(s.doi for s in ordered),  # type: ignore[arg-type]
        urls=urls,
        bib_keys=[s.bib_key for s in bib if s.bib_key],
        topics=topics,
        summary=_first(s.summary for s in readme),  # type: ignore[arg-type]
        sources=sorted({s.source for s in ordered}, key=Provenance.sort_key),
    )


def paper_id(paper: Paper) -> str:
    """An id that comes from the data, so rebuilds and incremental builds keep it."""
    if paper.arxiv_id:
        return f"arxiv-{paper.arxiv_id.replace('/', '-')}"
    if paper.doi:
        return f"doi-{slugify(paper.doi)}"
    normalized = normalize_title(paper.title)
    words = "-".join(normalized.split()[:6]) or "untitled"
    return f"{words}-{hashlib.sha1(normalized.encode()).hexdigest()[:6]}"


def resolve_papers(sightings: list[PaperSighting], findings: Findings) -> list[Paper]:
    """Cluster, merge and give every paper a unique, data-derived id (sorted by id)."""
    papers = [merge(group) for group in cluster(sightings, findings)]
    taken: dict[str, int] = {}
    for paper in sorted(papers, key=lambda p: p.sources[0].sort_key()):
        base = paper_id(paper)
        taken[base] = taken.get(base, 0) + 1
        paper.id = base if taken[base] == 1 else f"{base}-{taken[base]}"
    return sorted(papers, key=lambda p: p.id)


# A title this close to a listed one is the same paper: the resolver merges at this score, so `check`
# would report the new row as a duplicate. Below it, down to NEAR_MISS_SCORE, `add` only warns.
DUPLICATE_SCORE = MERGE_SCORE


def matches(
    sightings: list[PaperSighting],
    title: str,
    date: dt.date | None,
    arxiv_id: str | None,
    doi: str | None,
    warnings: Findings,
    where: str = "README.md",
) -> list[tuple[PaperSighting, str]]:
    """The sightings that are this new paper, with why; near misses become warnings (at `where`).

    Identifiers first, then titles, compared by rapidfuzz only within blocks (sightings sharing the
    title's first word or one of its distinctive words), so a large list costs one pass. A title at
    DUPLICATE_SCORE or closer counts as the same paper even when arXiv ids or years differ: two papers
    that alike are for a maintainer to add by hand.
    """
    norm = normalize_title(title)
    words = set(norm.split()[:1]) | title_tokens(norm)
    found: list[tuple[PaperSighting, str]] = []
    for sighting in sightings:
        why: str | None = None
        other = normalize_title(sighting.title)
        if arxiv_id and sighting.arxiv_id == arxiv_id:
            why = f"same arXiv id {arxiv_id}"
        elif doi and sighting.doi and sighting.doi.casefold() == doi.casefold():
            why = f"same DOI {doi}"
        elif other == norm:
            why = "same title"
        elif words & (set(other.split()[:1]) | title_tokens(other)):
            score = fuzz.ratio(norm, other, processor=None)
            if score >= DUPLICATE_SCORE:
                why = f"title similarity {score:.0f}"
            elif score >= NEAR_MISS_SCORE:
                warnings.warn(
                    where,
                    None,
                    f"the title looks like '{sighting.title}' at {sighting.source} ({score:.0f})",
                    "if it is the same paper, do not add it twice",
                    code="paper.similar-title",
                )
        if why is not None:
            apart = kept_apart(sighting, date, arxiv_id) if why.startswith(("same title", "title")) else None
            found.append((sighting, f"{why}, though {apart}" if apart else why))
    return found


def kept_apart(sighting: PaperSighting, date: dt.date | None, arxiv_id: str | None) -> str | None:
    """Why the resolver would keep a look-alike apart from the new paper (as `ingest.resolve` does)."""
    if arxiv_id and sighting.arxiv_id and sighting.arxiv_id != arxiv_id:
        return "different arXiv ids"
    year = sighting.date.year if sighting.date else sighting.year
    if date and year and abs(date.year - year) > 1:
        return "years apart"
    return None
