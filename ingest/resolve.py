"""Entity resolution: which sightings (README rows, bib entries) are the same real paper.

The rule is `ingest.same_paper`'s, applied to the whole list at once: sightings sharing an arXiv id
or DOI are merged, then equal normalised titles, then titles rapidfuzz finds close inside small
blocks of sightings that share a rare title word (never all pairs). Two clusters whose identifiers
or years disagree are never merged, however alike their titles; near misses are reported as
warnings so a maintainer can look.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from headkg.ingest.same_paper import MERGE_SCORE, NEAR_MISS_SCORE, Evidence, candidate_pairs, conflict, title_score
from headkg.ingest.subjects import pair_subject
from headkg.schema.findings import Finding, Findings
from headkg.schema.graph import Paper
from headkg.schema.identifiers import doi_key, paper_id
from headkg.schema.provenance import Provenance
from headkg.schema.sightings import PaperSighting
from headkg.schema.titles import normalize_title


class _Clusters:
    """Union-find over sighting indexes, keeping each cluster's evidence to refuse conflicts."""

    def __init__(self, sightings: list[PaperSighting]) -> None:
        self.parent = list(range(len(sightings)))
        self.evidence = [Evidence.of(s) for s in sightings]

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def conflict(self, a: int, b: int) -> str | None:
        """Why clusters a and b cannot be one paper, or None when they can."""
        return conflict(self.evidence[self.find(a)], self.evidence[self.find(b)])

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        keep, drop = min(ra, rb), max(ra, rb)
        self.parent[drop] = keep
        self.evidence[keep].absorb(self.evidence[drop])

    def groups(self) -> list[list[int]]:
        members: dict[int, list[int]] = defaultdict(list)
        for i in range(len(self.parent)):
            members[self.find(i)].append(i)
        return sorted(members.values(), key=lambda m: m[0])


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
    _union_on(clusters, ((doi_key(s.doi) if s.doi else None, i) for i, s in enumerate(sightings)))

    titles = [normalize_title(s.title) for s in sightings]
    by_title: dict[str, list[int]] = defaultdict(list)
    for i, t in enumerate(titles):
        if t:
            by_title[t].append(i)
    for members in by_title.values():
        for other in members[1:]:
            _merge_or_report(clusters, sightings, members[0], other, 100.0, findings)

    reported: set[tuple[int, int]] = set()
    for a, b in candidate_pairs(titles):
        root_a, root_b = clusters.find(a), clusters.find(b)
        if root_a == root_b or (min(root_a, root_b), max(root_a, root_b)) in reported:
            continue
        score = title_score(titles[a], titles[b])
        if score >= NEAR_MISS_SCORE and not _merge_or_report(clusters, sightings, a, b, score, findings):
            reported.add((min(root_a, root_b), max(root_a, root_b)))

    groups = [[sightings[i] for i in group] for group in clusters.groups()]
    for group in groups:
        _report_duplicates(group, findings)
    return groups


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
    findings.append(look_alike_finding(later, earlier, why))
    return False


def look_alike_finding(at: PaperSighting, other: PaperSighting, why: str) -> Finding:
    """A warning at `at` that its title looks like `other`'s though they are kept apart (`why`)."""
    return Finding(
        file=at.source.file,
        line=at.source.line,
        message=f"title '{at.title}' looks like '{other.title}' at {other.source} ({why})",
        hint="if they are the same paper, give both the same arXiv id or DOI; if not, ignore this warning",
        code="paper.similar-title",
        subject=pair_subject(at, other),
    )


def duplicate_finding(dup: PaperSighting, first: PaperSighting) -> Finding:
    """A warning at `dup` that it lists again the paper `first` lists (both README rows, or both bib entries)."""
    label, plural = ("README row", "README rows") if dup.kind == "readme" else ("bib entry", "bib entries")
    what = f" (key {dup.bib_key}, first as {first.bib_key})" if dup.kind == "bib" else ""
    return Finding(
        file=dup.source.file,
        line=dup.source.line,
        message=f"duplicate {label}{what}: same paper as {first.source}",
        hint=f"remove one of the two {plural}, or merge them",
        code="paper.duplicate",
        subject=pair_subject(dup, first),
    )


def _report_duplicates(group: list[PaperSighting], findings: Findings) -> None:
    """A paper listed twice in the same kind of source is a defect of the list worth fixing."""
    for kind in ("readme", "bib"):
        same = sorted((s for s in group if s.kind == kind), key=lambda s: s.source.sort_key())
        for dup in same[1:]:
            findings.append(duplicate_finding(dup, same[0]))


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
        bib=next((s.bib for s in bib if s.bib), None),
    )


def resolve_papers(sightings: list[PaperSighting], findings: Findings) -> list[Paper]:
    """Cluster, merge and give every paper a unique, data-derived id (sorted by id)."""
    papers = [merge(group) for group in cluster(sightings, findings)]
    taken: dict[str, int] = {}
    for paper in sorted(papers, key=lambda p: p.sources[0].sort_key()):
        base = paper_id(arxiv_id=paper.arxiv_id, doi=paper.doi, title=paper.title)
        taken[base] = taken.get(base, 0) + 1
        paper.id = base if taken[base] == 1 else f"{base}-{taken[base]}"
    return sorted(papers, key=lambda p: p.id)
