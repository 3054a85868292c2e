"""`check --base` reading only what changed, with what a store built from the base knows standing for
the rest: the CI check of a pull request on a list of 100,000 papers.

Only the README sections and bib files the change touched are parsed (a README section whose text is
in the store's parse cache is the base's, unchanged); the store's parse cache gives the base version
of what changed. The cross-record checks (duplicates, look-alike titles, repeated bib keys, head
names) run for the records of what changed only, against the store's papers found by index (arXiv
id, DOI, title id) and by the words of their titles, never all pairs. The findings the store keeps
(the base's) are matched with these by `check_base.match`; those about untouched parts are old.

Anything else changed (the taxonomy figure, the tables, the vocabulary file), or a store that was
not built from the base: `check_incrementally` returns None and the caller checks both in full.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from headkg.ingest import git
from headkg.ingest import readme as readme_parser
from headkg.ingest.bib_hunks import read_bib_window
from headkg.ingest.bibtex import BIB_DIR, duplicate_key_finding, parse_bib_text
from headkg.ingest.cache import ParseCache
from headkg.ingest.check import grade, mark_fixable
from headkg.ingest.check_base import BaseRecords, blame_with, fingerprint
from headkg.ingest.fingerprint import INPUT_GLOBS
from headkg.ingest.heads import HeadRegistry
from headkg.ingest.list_vocabulary import load_list_vocabulary
from headkg.ingest.moves import LineMap
from headkg.ingest.pipeline import checkout_lines
from headkg.ingest.readme import README
from headkg.ingest.readme_hunks import ROW_CODES, LazyLines, Window, file_hunks, line_map, read_windows
from headkg.ingest.resolve import duplicate_finding, look_alike_finding
from headkg.ingest.same_paper import MERGE_SCORE, PaperMatcher, year_of
from headkg.ingest.sections import SectionMap
from headkg.ingest.subjects import with_subjects
from headkg.ingest.vocabulary import Vocabulary
from headkg.schema.findings import CheckedFinding, Finding, Findings
from headkg.schema.provenance import Provenance
from headkg.schema.sightings import PaperSighting

log = logging.getLogger("headkg")
_LONE_CR = re.compile(rb"\r(?!\n)")


@dataclass
class KnownPaper:
    """A paper of the store, as the same-paper rule reads it, with where the list states it."""

    title: str
    arxiv_id: str | None
    doi: str | None
    year: int | None
    date: dt.date | None
    sources: list[Provenance]
    bib_keys: list[str] = field(default_factory=list)


@dataclass
class BaseView:
    """What a store built from the base revision tells the check (db/check_change.py makes it)."""

    parse_date: dt.date  # the date the build parsed with (part of the README sections' cache keys)
    sections: SectionMap  # where each README section stood at the base
    payloads: Callable[[list[str]], dict[str, str]]  # parse-cache entries by key
    findings: list[Finding]  # the base's findings, with their subjects
    known: Callable[[list[PaperSighting]], list[KnownPaper]]  # papers that may be any of these
    bib_key_sources: Callable[[list[str]], dict[str, list[Provenance]]]  # folded key -> where it is defined
    arxiv_of: Callable[[Provenance], str | None]  # a record's place -> its paper's arXiv id


@dataclass
class _Change:
    """What the change touched: the new records, the base's records they replace, and where."""

    sightings: list[PaperSighting] = field(default_factory=list)  # parsed from what changed
    findings: Findings = field(default_factory=Findings)
    before: BaseRecords = field(default_factory=BaseRecords)  # the base's records read again
    replaced_spans: list[tuple[str, int, int]] = field(default_factory=list)  # base lines read again, by file
    replaced_files: set[str] = field(default_factory=set)  # base bib files read again whole
    sections: SectionMap = field(default_factory=SectionMap)  # the README's sections now
    lines: dict[str, LineMap] = field(default_factory=dict)  # a file's base lines -> lines now (from git)

    def replaced(self, source: Provenance) -> bool:
        if source.file in self.replaced_files:
            return True
        return any(f == source.file and a <= source.line <= b for f, a, b in self.replaced_spans)

    def take(self, rel: str, window: Window) -> None:
        """The rows or entries of `rel` read again around a change, in place of the base's lines."""
        self.sightings += window.sightings
        self.findings.extend(window.findings)
        self.replaced_spans.append((rel, window.old_first, window.old_last))
        for record in window.before:
            self.before.add(record)


def changed_files(root: Path, base: str) -> list[str]:
    """The checkout's files (relative to `root`) that differ from `base`, untracked ones included."""
    if base.startswith("-"):
        return []
    diff = git.run(["-C", str(root), "diff", "--name-only", "--relative", base, "--"], timeout=120)
    untracked = git.run(["-C", str(root), "ls-files", "--others", "--exclude-standard"], timeout=120)
    return sorted({line for line in (diff + untracked).splitlines() if line})


def _is_input(rel: str) -> bool:
    return any(Path(rel).match(pattern) for pattern in INPUT_GLOBS)


def _is_bib(rel: str) -> bool:
    return Path(rel).parent == BIB_DIR and rel.endswith(".bib")


def check_incrementally(
    root: Path, base: str, view: BaseView, vocabulary: Vocabulary | None = None, today: dt.date | None = None
) -> list[CheckedFinding] | None:
    """The findings of the checkout against `base`, as `check_against_revision` gives them, reading
    only the changed README sections and bib files; None when the change needs a full check."""
    today = today or dt.date.today()
    changed = [rel for rel in changed_files(root, base) if _is_input(rel)]
    if any(rel != README and not _is_bib(rel) for rel in changed):
        log.info("the change touches %s: checking both revisions in full", ", ".join(changed))
        return None
    vocabulary, _ = load_list_vocabulary(root, vocabulary)  # unchanged: its findings are the base's
    change = _Change()
    if README in changed:
        _readme_change(root, base, view, today, change)
    for rel in (r for r in changed if _is_bib(r)):
        _bib_change(root, base, rel, view, change)
    if _citations_may_change(change, view):
        log.info("the change defines or removes bib keys that citations may name: checking both revisions in full")
        return None
    registry = HeadRegistry(vocabulary, change.findings)
    for sighting in change.sightings:
        for mention in sighting.heads:
            registry.canonical(mention.name, mention.source)
    _same_papers(change, view, change.findings)
    _repeated_keys(change, view, change.findings)
    found = [grade(f) for f in with_subjects(change.findings, checkout_lines(root))]
    still = {j: _moved(f, view.sections, change) for j, f in enumerate(view.findings) if not change.replaced(_at(f))}
    # where the store states what a moved finding is about: its line in the base
    back = {Provenance(file=f.file, line=f.line or 0): _at(view.findings[j]) for j, f in still.items()}
    result = blame_with(found, view.findings, still, change.sightings, change.before)
    own = {s.source: s.arxiv_id for s in change.sightings if s.arxiv_id}
    mark_fixable(root, result, vocabulary, lambda source: own.get(source) or view.arxiv_of(back.get(source, source)))
    return result


def _citations_may_change(change: _Change, view: BaseView) -> bool:
    """Whether a bib key the base defined is gone (the taxonomy or the tables may cite it), or one
    is new while the base has citations of missing keys: only the whole list tells what they become."""
    keys = {s.bib_key.casefold() for s in change.sightings if s.bib_key}
    missing = any(f.code == "cite.missing" for f in view.findings)
    return bool(change.before.keys - keys) or (missing and bool(keys - change.before.keys))


def _at(finding: Finding) -> Provenance:
    return Provenance(file=finding.file, line=finding.line or 0)


def _moved(finding: Finding, base: SectionMap, change: _Change) -> CheckedFinding:
    """A base finding outside what changed, graded, at its line now (its README section may have moved)."""
    graded = grade(finding)
    if finding.line and finding.file in change.lines:
        graded.line = change.lines[finding.file].line(finding.file, finding.line)
    elif finding.file == README and finding.line and change.sections.spans:
        for key, (first, last) in base.spans.items():
            if first <= finding.line <= last and key in change.sections.spans:
                graded.line = finding.line + change.sections.spans[key][0] - first
                break
    return graded


def _cached_records(payload: str, before: BaseRecords) -> None:
    """The records of a parse-cache entry into `before` (read as JSON, not validated: a section holds
    thousands)."""
    for data in json.loads(payload).get("sightings", []):
        before.add(data)


def _plain_text(data: bytes) -> bool:
    """UTF-8 without NUL or lone CR: what `readme.decode` leaves as it is (no finding, the same lines)."""
    if b"\x00" in data or (b"\r" in data and _LONE_CR.search(data)):
        return False
    if data.isascii():
        return True
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _readme_change(root: Path, base: str, view: BaseView, today: dt.date, change: _Change) -> None:
    """Parse the README rows around what changed (readme_hunks.py), else the sections not in the store;
    the base's records they replace come from its cache."""
    path = root / README
    data = path.read_bytes() if path.is_file() else b""
    if path.is_file() and _plain_text(data):  # git and the parser count the same lines, decoding says nothing
        hunks = file_hunks(root, base, README)
        change.lines[README] = line_map(hunks)
        row_findings = [(f.code, f.line) for f in view.findings if f.file == README and f.code in ROW_CODES and f.line]
        windows = read_windows(LazyLines(data), hunks, view.sections, view.payloads, today, row_findings)
        if windows is not None:
            log.debug(
                "README: %d rows read again around %d changes", sum(len(w.sightings) for w in windows), len(hunks)
            )
            for window in windows:
                change.take(README, window)
            return
    text = readme_parser.decode(data, README, change.findings) if path.is_file() else ""
    log.debug("README: the sections that changed read again whole")
    for first, chunk in readme_parser.sections(text):
        key = ParseCache.key("readme", README, chunk, view.parse_date.isoformat())
        change.sections.place(key, first, first + max(len(chunk.splitlines()), 1) - 1)
        if key not in view.sections.spans and readme_parser.has_table(chunk):
            padded = "\n" * (first - 1) + chunk
            change.sightings += readme_parser.parse_text(padded, README, change.findings, today, layouts=False)
    gone = [key for key in view.sections.spans if key not in change.sections.spans]
    payloads = view.payloads(gone)
    for key in gone:
        first, last = view.sections.spans[key]
        change.replaced_spans.append((README, first, last))
        if key in payloads:
            _cached_records(payloads[key], change.before)


def _bib_change(root: Path, base: str, rel: str, view: BaseView, change: _Change) -> None:
    """Parse the entries around what changed in a bib file (bib_hunks.py), else the whole file now and
    (from the store's cache, else git) as the base had it."""
    path = root / rel
    data = path.read_bytes() if path.is_file() else None
    try:
        before = git.run(["-C", str(root), "show", f"{base}:./{rel}"], timeout=120).encode("utf-8")
    except git.SourceError:  # the change added the file
        before = None
    key = ParseCache.key("bib", rel, before.decode("latin-1")) if before is not None else ""
    payload = view.payloads([key]).get(key) if before is not None else None
    if data is not None and before is not None and payload is not None:
        hunks = file_hunks(root, base, rel)
        window = read_bib_window(rel, data, before, hunks, payload, view.bib_key_sources)
        if window is not None:
            log.debug("%s: %d entries read again around %d changes", rel, len(window.sightings), len(hunks))
            change.lines[rel] = line_map(hunks, rel)
            change.take(rel, window)
            return
    if data is not None:
        change.sightings += parse_bib_text(data, rel, change.findings)
    change.replaced_files.add(rel)
    if payload is not None:
        _cached_records(payload, change.before)
    elif before is not None:
        for sighting in parse_bib_text(before, rel, Findings()):
            change.before.add(sighting.model_dump(mode="json"))


def _as_sighting(paper: KnownPaper, like: PaperSighting, change: _Change) -> PaperSighting | None:
    """The store paper as a record of the same kind as `like` (a README row, a bib entry), if the list
    states it that way outside what changed."""
    for source in paper.sources:
        kind = "bib" if source.file.endswith(".bib") else "readme"
        if kind == like.kind and not change.replaced(source):
            key = paper.bib_keys[0] if kind == "bib" and paper.bib_keys else None
            return PaperSighting(kind=kind, title=paper.title, bib_key=key, source=source)
    return None


def _same_papers(change: _Change, view: BaseView, findings: Findings) -> None:
    """Duplicates and look-alikes of the changed records, against the store and each other."""
    prints = {id(s): fingerprint(s) for s in change.sightings}
    fresh = [s for s in change.sightings if prints[id(s)] not in change.before.prints]
    known = [p for p in view.known(fresh) if not all(change.replaced(s) for s in p.sources)]
    matcher: PaperMatcher[KnownPaper | PaperSighting] = PaperMatcher(known)
    for s in (s for s in change.sightings if prints[id(s)] in change.before.prints):
        matcher.add(s)
    for sighting in sorted(fresh, key=lambda s: s.source.sort_key()):
        for match in matcher.matches(
            title=sighting.title, arxiv_id=sighting.arxiv_id, doi=sighting.doi, year=year_of(sighting)
        ):
            record = match.record
            other = record if isinstance(record, PaperSighting) else _as_sighting(record, sighting, change)
            if match.same_paper:
                if other is not None and other.kind == sighting.kind and other.source != sighting.source:
                    findings.append(duplicate_finding(sighting, other))
            elif other is not None or isinstance(record, KnownPaper):
                other = other or PaperSighting(kind="readme", title=record.title, source=record.sources[0])
                why = match.conflict or f"title similarity {match.score:.0f} < {MERGE_SCORE:.0f}"
                findings.append(look_alike_finding(sighting, other, f"kept apart: {why}"))
        matcher.add(sighting)


def _repeated_keys(change: _Change, view: BaseView, findings: Findings) -> None:
    """A changed bib file's keys that another bib file defines too (BibTeX keeps one of them)."""
    bib = [s for s in change.sightings if s.kind == "bib" and s.bib_key]
    defined = view.bib_key_sources([s.bib_key.casefold() for s in bib if s.bib_key])
    for sighting in bib:
        assert sighting.bib_key is not None
        elsewhere = [
            p
            for p in defined.get(sighting.bib_key.casefold(), [])
            if p.file.endswith(".bib") and p.file != sighting.source.file and not change.replaced(p)
        ]
        if elsewhere:
            findings.append(
                duplicate_key_finding(sighting.source.file, sighting.source.line, sighting.bib_key, elsewhere[0])
            )


def papers_as_known(rows: Iterable[tuple]) -> list[KnownPaper]:
    """Store rows (title, arxiv_id, doi, year, date, sources, bib_keys) as known papers."""
    return [
        KnownPaper(title, arxiv_id, doi, year, date, [Provenance.parse(s) for s in sources or []], list(keys or []))
        for title, arxiv_id, doi, year, date, sources, keys in rows
    ]
