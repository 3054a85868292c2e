"""`headkg check --base REV`: blame a change only for the findings it brings.

The working tree and the revision REV are both checked; a finding of the working tree that REV has
too is old, whatever line it moved to. Findings are matched by kind (`code`), file and what they
are about (`subject`: the README row's title, the bib key, the pair of records), never by line
number; a finding whose subject the change re-worded still matches one of the same kind and message.
Old errors are reported as notices; new findings keep their severity.

A finding about two records (a duplicate, a look-alike title) sits, in a full check, on whichever
comes later in the file; when the change added or edited only one of the two, the new finding is
moved to that one, so the annotation lands on the row the pull request touched.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from headkg.ingest.check import grade, inspect, ordered
from headkg.ingest.moves import fingerprint_data
from headkg.ingest.resolve import duplicate_finding, look_alike_finding
from headkg.ingest.source import export_revision
from headkg.ingest.subjects import is_record_subject, message_key, pair_members, record_subject, sighting_subject
from headkg.ingest.vocabulary import Vocabulary
from headkg.schema.findings import CheckedFinding, Finding
from headkg.schema.provenance import Provenance
from headkg.schema.sightings import PaperSighting

PAIR_CODES = frozenset({"paper.duplicate", "paper.similar-title"})
_WHY = re.compile(r"\((kept apart: .*)\)$")


def check_against_revision(
    root: Path, base: str, vocabulary: Vocabulary | None = None, today: dt.date | None = None
) -> list[CheckedFinding]:
    """The checkout's findings, each marked new (absent at `base`, a git revision of the same
    repository) or old; old errors become notices. Raises `SourceError` when git cannot read `base`."""
    vocabulary = vocabulary or Vocabulary.load()
    head = inspect(root, vocabulary, today)
    with tempfile.TemporaryDirectory(prefix="headkg-base-") as tmp:
        before = inspect(export_revision(root, base, Path(tmp) / "base"), vocabulary, today)
    return blame(head.findings, before.findings, head.contents.papers, before.contents.papers)


def blame(
    findings: list[CheckedFinding],
    base_findings: Iterable[Finding],
    sightings: list[PaperSighting],
    base_sightings: Iterable[PaperSighting],
) -> list[CheckedFinding]:
    """`findings` marked new or old against `base_findings`; new pair findings moved to the record the
    change brought, old errors made notices."""
    return blame_with(findings, list(base_findings), {}, sightings, BaseRecords.of(base_sightings))


@dataclass
class BaseRecords:
    """The base's records that the change may have touched: their `fingerprint`s (unchanged records
    are the same wherever they moved) and their subjects (a row or bib entry that is still there)."""

    prints: Counter[str] = field(default_factory=Counter)
    subjects: set[str] = field(default_factory=set)
    keys: set[str] = field(default_factory=set)  # their bib keys, casefolded

    @classmethod
    def of(cls, sightings: Iterable[PaperSighting]) -> BaseRecords:
        records = cls()
        for s in sightings:
            records.add(s.model_dump(mode="json"))
        return records

    def add(self, data: dict[str, Any]) -> None:
        """One record, as a sighting's JSON data (a parse-cache entry's, not validated)."""
        self.prints[fingerprint_data(data)] += 1
        self.subjects.add(record_subject(data.get("kind", ""), data.get("title", ""), data.get("bib_key")))
        if data.get("bib_key"):
            self.keys.add(data["bib_key"].casefold())


def blame_with(
    findings: list[CheckedFinding],
    base_findings: list[Finding],
    still: dict[int, CheckedFinding],
    sightings: list[PaperSighting],
    before: BaseRecords,
) -> list[CheckedFinding]:
    """`blame` when `findings` are those of the changed parts only: `still` holds (by index in
    `base_findings`) the base's findings about the parts the change left alone, which are reported as
    old unless one of `findings` stands for them. `before` holds the base's records the change may
    have replaced, `sightings` the records of what it changed."""
    pairs = match(findings, base_findings, {sighting_subject(s) for s in sightings}, before.subjects, still.keys())
    relocate = _relocator(sightings, before.prints)
    out: list[CheckedFinding] = []
    for finding, partner in zip(findings, pairs, strict=True):
        if partner is None and finding.code in PAIR_CODES:
            finding = relocate(finding)
        out.append(_marked(finding, new=partner is None))
    matched = {j for j in pairs if j is not None}
    out += [_marked(f, new=False) for j, f in still.items() if j not in matched]
    return ordered(out)


def _marked(finding: CheckedFinding, *, new: bool) -> CheckedFinding:
    update: dict[str, object] = {"new": new}
    if not new and finding.severity == "error":
        update["severity"] = "notice"
    return finding.model_copy(update=update)


def match(
    findings: list[Finding],
    base: list[Finding],
    subjects: set[str],
    base_subjects: set[str],
    settled: Collection[int] = (),
) -> list[int | None]:
    """For each finding, the index of the same finding in `base` (None: `base` lacks it), matched one
    to one by (code, file, subject, message without line numbers), then by (code, file, subject), then
    by (code, file, message) for a finding whose row or bib entry the change re-worded: one about a
    record the base did not have (not in `base_subjects`) with one about a record now gone (not in
    `subjects`, the records of the working tree). `settled`: base findings about what the change left
    alone, which only the first two match."""
    keys: tuple[Callable[[Finding], tuple[str, ...]], ...] = (
        lambda f: (f.code, f.file, f.subject, message_key(f.message)),
        lambda f: (f.code, f.file, f.subject),
        lambda f: (f.code, f.file, message_key(f.message)),
    )
    renamed = (
        lambda f: not is_record_subject(f.subject) or f.subject not in base_subjects,
        lambda b: not is_record_subject(b.subject) or b.subject not in subjects,
    )
    partner: list[int | None] = [None] * len(findings)
    left = list(range(len(base)))
    for n, key in enumerate(keys):
        pool: dict[tuple[str, ...], list[int]] = defaultdict(list)
        for j in reversed(left):
            if n < 2 or (j not in settled and renamed[1](base[j])):
                pool[key(base[j])].append(j)
        for i in range(len(findings)):
            if partner[i] is None and (n < 2 or renamed[0](findings[i])) and (candidates := pool.get(key(findings[i]))):
                partner[i] = candidates.pop()
        taken = {j for j in partner if j is not None}
        left = [j for j in left if j not in taken]
    return partner


def fingerprint(sighting: PaperSighting) -> str:
    """A sighting's content wherever it stands: the same row moved down by a new row (or re-indented)
    is unchanged."""
    return fingerprint_data(sighting.model_dump(mode="json"))


def _relocator(sightings: list[PaperSighting], unchanged: Counter[str]) -> Callable[[CheckedFinding], CheckedFinding]:
    """Moves a pair finding from a record the change left alone to the other one, which it changed."""
    by_source = {s.source: s for s in sightings}
    by_subject: dict[str, list[PaperSighting]] = defaultdict(list)
    for s in sightings:
        by_subject[sighting_subject(s)].append(s)

    def changed(s: PaperSighting) -> bool:
        return fingerprint(s) not in unchanged

    def relocate(finding: CheckedFinding) -> CheckedFinding:
        at = by_source.get(Provenance(file=finding.file, line=finding.line or 0))
        members = pair_members(finding.subject)
        if at is None or len(members) != 2 or changed(at):
            return finding
        mine = sighting_subject(at)
        other_subject = members[1] if members[0] == mine else members[0]
        others = [s for s in by_subject.get(other_subject, []) if s.source != at.source and changed(s)]
        if len(others) != 1:
            return finding
        other = others[0]
        if finding.code == "paper.duplicate":
            moved = duplicate_finding(other, at)
        else:
            why = _WHY.search(finding.message)
            moved = look_alike_finding(other, at, why[1] if why else "kept apart")
        return grade(moved).model_copy(update={"severity": finding.severity})

    return relocate
