"""Writing a new paper into a checkout of the list, in the list's own format (`headkg add`): the
write side of the format whose readers are `ingest.readme*` and `ingest.bibtex`, so it sits beside them.

The README is edited as lines, not re-serialised: the new row pair copies the layout of its
neighbour row (the list's tables are indented differently from one stretch to the next), goes into
its year section in descending date order, and every other byte of the file stays as it was. The
result is parsed back with the list's own parser before anything is written, so a row that would
not read back as intended is refused instead of written. A bib entry is appended to a topic file
only after it parses cleanly and adds no second key or second entry for the same paper.

`add_paper` runs the steps (`add_papers` several rows in one write); each has its module: `new_row`
(the row's content), `duplicates`, `readme_layout` (the README's tables as line ranges), `row_style`
(a row's layout and rendering), `readme_edit` (placement and the read-back check), `ingest.badge_urls`,
`bib_edit` and `atomic_write`; `submission` gathers what to write from an issue and given values.
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass, field
from pathlib import Path

from headkg.ingest.bibtex import parse_bib_dir
from headkg.ingest.issue import PaperSubmission
from headkg.ingest.list_vocabulary import load_list_vocabulary
from headkg.ingest.listedit.atomic_write import write_atomic
from headkg.ingest.listedit.bib_edit import BibEdit, plan_bib
from headkg.ingest.listedit.duplicates import refuse_listed
from headkg.ingest.listedit.new_row import NewRow, row_content
from headkg.ingest.listedit.readme_edit import ReadmeEdit, plan_readme
from headkg.ingest.listedit.submission import missing_fields
from headkg.ingest.readme import README, decode, parse_readme, parse_text
from headkg.ingest.same_paper import PaperMatcher, matches
from headkg.ingest.vocabulary import Vocabulary
from headkg.schema.exceptions import InvalidRequestError, SourceError
from headkg.schema.findings import Finding, Findings
from headkg.schema.identifiers import ids_from_url
from headkg.schema.provenance import Provenance
from headkg.schema.sightings import PaperSighting

DEFAULT_TOPIC = "AttnHead"


@dataclass
class AddResult:
    """What `add_paper` wrote (or, on a dry run, would write), and where."""

    readme: str  # the README's path relative to the checkout
    title: str
    line: int  # 1-based line of the new row's title in the new README
    rows: str  # the inserted lines
    section: str  # e.g. "Year 2024"
    new_section: bool
    heads: list[str]  # badge texts written
    link: str
    above: tuple[dt.date | None, int] | None = None  # neighbour rows: date and title line in the new README
    below: tuple[dt.date | None, int] | None = None
    bib_file: str | None = None
    bib_line: int | None = None
    bib_key: str | None = None
    bib_text: str | None = None
    warnings: list[Finding] = field(default_factory=list)
    written: bool = False


def add_paper(
    root: Path,
    submission: PaperSubmission,
    *,
    bib_topic: str = DEFAULT_TOPIC,
    dry_run: bool = False,
    vocabulary: Vocabulary | None = None,
    today: dt.date | None = None,
) -> AddResult:
    """Insert the paper into `root`'s README (and its BibTeX into a topic file) unless it is listed.

    Raises `InvalidRequestError` for a missing field, a future date, a duplicate or a bad bib entry,
    and `SourceError` when `root` is no checkout; nothing is written then. Non-fatal remarks (an
    unknown head name, a bib entry the row will join) are in the result's `warnings`.
    """
    today = today or dt.date.today()
    path = root / README
    if not path.is_file():
        raise SourceError(f"{root} has no {README}: give the root of a checkout of the list")
    known = parse_readme(path, README, Findings(), today=today)
    planned = _plan_row(path, submission, known, load_list_vocabulary(root, vocabulary)[0], today)
    title, row, edit, warnings = planned.title, planned.row, planned.edit, planned.warnings
    arxiv_id, doi = planned.arxiv_id, planned.doi
    bib_sightings = parse_bib_dir(root, Findings())
    bib_twins = matches(bib_sightings, title, row.date, arxiv_id, doi, warnings)
    result = planned.result(neighbours=True)
    bib: BibEdit | None = None
    if submission.bibtex:
        _refuse_second_entry(bib_twins)
        bib = plan_bib(root, bib_topic, submission.bibtex, title, row.date, arxiv_id, doi, bib_sightings)
        result.bib_file, result.bib_line, result.bib_key, result.bib_text = bib.rel, bib.line, bib.key, bib.entry
    for twin, why in bib_twins:
        warnings.warn(
            README,
            edit.line,
            f"the paper already has bib entry {twin.bib_key!r} at {twin.source} ({why}); the row will join it",
        )
    result.warnings = [w.model_copy(update={"line": edit.line}) if w.line is None else w for w in warnings]
    if not dry_run:
        _write_both(path, edit.data, bib)
        result.written = True
    return result


def _refuse_incomplete(submission: PaperSubmission, today: dt.date) -> None:
    missing = missing_fields(submission)
    if missing:
        raise InvalidRequestError("missing: " + ", ".join(missing))
    if submission.date is not None and submission.date > today:
        raise InvalidRequestError(f"date {submission.date} is in the future (today is {today})")


def _refuse_second_entry(bib_twins: list[tuple[PaperSighting, str]]) -> None:
    if bib_twins:
        twin, why = bib_twins[0]
        raise InvalidRequestError(
            f"the paper already has a bib entry, {twin.bib_key!r} at {twin.source} ({why}); "
            "a second key for it would be a duplicate: drop the BibTeX or edit that entry"
        )


def _write_both(readme: Path, data: bytes, bib: BibEdit | None) -> None:
    """The bib file then the README, each in one step; both files or neither."""
    if bib is not None:
        write_atomic(bib.path, bib.data)
    try:
        write_atomic(readme, data)
    except OSError:
        if bib is not None:
            write_atomic(bib.path, bib.original)
        raise


def add_papers(
    root: Path,
    submissions: list[PaperSubmission],
    *,
    dry_run: bool = False,
    vocabulary: Vocabulary | None = None,
    today: dt.date | None = None,
) -> list[AddResult]:
    """Several papers into `root`'s README in one write, or none: each row is checked as `add_paper`
    checks it, against the list and the rows before it, and the README is replaced once, atomically,
    only when every row is valid. README rows only: a submission with BibTeX is refused."""
    today = today or dt.date.today()
    vocabulary, _ = load_list_vocabulary(root, vocabulary)
    path = root / README
    if not path.is_file():
        raise SourceError(f"{root} has no {README}: give the root of a checkout of the list")
    known = PaperMatcher(parse_readme(path, README, Findings(), today=today))
    data = path.read_bytes()
    results: list[AddResult] = []
    for submission in submissions:
        try:
            result, data = _plan_one(path, submission, data, known, vocabulary, today)
        except InvalidRequestError as exc:
            name = submission.arxiv_id or f"'{submission.title}'"
            why = str(exc).removesuffix("; nothing written")
            raise InvalidRequestError(f"{name}: {why}; nothing written") from None
        results.append(result)
    _final_lines(results, data, today)
    if not dry_run and results:
        write_atomic(path, data)
        for result in results:
            result.written = True
    return results


def _plan_one(
    path: Path,
    submission: PaperSubmission,
    data: bytes,
    known: PaperMatcher[PaperSighting],
    vocabulary: Vocabulary,
    today: dt.date,
) -> tuple[AddResult, bytes]:
    """One more row planned into `data` (the README so far), checked as `add_paper` checks it."""
    if submission.bibtex:
        raise InvalidRequestError("add_papers writes README rows only, not BibTeX")
    planned = _plan_row(path, submission, known, vocabulary, today, data)
    source = Provenance(file=README, line=planned.edit.line)
    known.add(
        PaperSighting(
            kind="readme",
            title=planned.title,
            date=planned.row.date,
            arxiv_id=planned.arxiv_id,
            doi=planned.doi,
            source=source,
        )
    )
    result = planned.result(neighbours=False)
    result.warnings = list(planned.warnings)
    return result, planned.edit.data


@dataclass
class _PlannedRow:
    """A new row checked and placed: its content, identifiers, the README edit and the remarks."""

    title: str
    row: NewRow
    arxiv_id: str | None
    doi: str | None
    edit: ReadmeEdit
    warnings: Findings

    def result(self, *, neighbours: bool) -> AddResult:
        edit, row = self.edit, self.row
        result = AddResult(
            README, self.title, edit.line, "".join(edit.inserted), edit.section, edit.new_section, row.heads, row.link
        )
        if neighbours:
            result.above, result.below = edit.above, edit.below
        return result


def _plan_row(
    path: Path,
    submission: PaperSubmission,
    known: PaperMatcher[PaperSighting] | list[PaperSighting],
    vocabulary: Vocabulary,
    today: dt.date,
    data: bytes | None = None,
) -> _PlannedRow:
    """The row a submission makes, refused when incomplete or listed, placed into the README (`data`:
    its bytes so far, when rows are planned one after another)."""
    _refuse_incomplete(submission, today)
    warnings = Findings()
    row = row_content(submission, vocabulary, warnings)
    link_ids = ids_from_url(row.link)
    arxiv_id, doi = link_ids.arxiv_id or submission.arxiv_id, link_ids.doi
    title = html.unescape(row.title)
    refuse_listed(known, title, row.date, arxiv_id, doi, warnings)
    return _PlannedRow(title, row, arxiv_id, doi, plan_readme(path, row, today, original=data), warnings)


def _final_lines(results: list[AddResult], data: bytes, today: dt.date) -> None:
    """Each new row's title line in the final README (later rows move earlier ones down)."""
    lines = {
        (s.title, tuple(s.urls)): s.source.line
        for s in parse_text(decode(data, README, Findings()), README, Findings(), today)
    }
    for result in results:
        result.line = lines.get((result.title, (result.link,)), result.line)
        result.warnings = [w.model_copy(update={"line": result.line}) if w.line is None else w for w in result.warnings]
