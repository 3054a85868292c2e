"""A BibTeX entry appended to a topic file of the list, after the checks the build would make.

The entry must parse alone, read back through the build's bib parser without a finding, name the
same paper as the new row, and add no second key or second entry for a paper already cited. Only
the new bytes are planned here; `add_paper` writes them together with the README.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bibtexparser.entrypoint import parse_string

from headkg.ingest.bibtex import BIB_DIR, parse_bib_file
from headkg.ingest.same_paper import PaperMatcher, matches
from headkg.schema.exceptions import InvalidRequestError
from headkg.schema.findings import Findings
from headkg.schema.sightings import PaperSighting


@dataclass
class BibEdit:
    """A topic file's new bytes with the entry appended, and its old bytes to put back on failure."""

    path: Path
    rel: str
    data: bytes
    line: int
    key: str
    entry: str
    original: bytes


def _topic_file(root: Path, topic: str) -> Path:
    folder = root / BIB_DIR
    files = sorted(folder.glob("*.bib")) if folder.is_dir() else []
    match = next((p for p in files if p.stem.casefold() == topic.removesuffix(".bib").casefold()), None)
    if match is None:
        known = ", ".join(p.stem for p in files) or "none"
        raise InvalidRequestError(f"no bib topic {topic!r} in {BIB_DIR.as_posix()} (topics: {known})")
    return match


def plan_bib(
    root: Path,
    topic: str,
    bibtex: str,
    title: str,
    date: dt.date,
    arxiv_id: str | None,
    doi: str | None,
    existing: list[PaperSighting],
) -> BibEdit:
    """The topic file with the entry appended, after checking the entry and that it is new."""
    path = _topic_file(root, topic)
    rel = path.relative_to(root).as_posix()
    entry_text = bibtex.strip().replace("\r\n", "\n")
    library = parse_string(entry_text)
    if library.failed_blocks:
        block = library.failed_blocks[0]
        reason = getattr(block.error, "abort_reason", None) or block.error
        raise InvalidRequestError(f"the BibTeX does not parse (line {(block.start_line or 0) + 1}): {reason}")
    if len(library.entries) != 1 or library.strings or library.preambles:
        raise InvalidRequestError(f"give exactly one BibTeX entry (found {len(library.entries)} and other blocks)")
    key = library.entries[0].key
    for other in existing:
        if other.bib_key and other.bib_key.casefold() == key.casefold():
            raise InvalidRequestError(f"bib key {key!r} is taken: {other.source}")
    sighting = _read_entry(entry_text, path.name, rel)
    same = PaperMatcher([sighting]).find(title=title, arxiv_id=arxiv_id, doi=doi, year=date.year)
    if same is None or not same.same_paper:
        raise InvalidRequestError(
            f"the bib entry '{sighting.title}' ({sighting.year}) is not the row's paper '{title}' ({date.year}); "
            "give the same title, year or arXiv id, or they count as two papers"
        )
    twins = matches(existing, sighting.title, date, sighting.arxiv_id, sighting.doi, Findings())
    if twins:
        twin, why = twins[0]
        raise InvalidRequestError(f"the bib entry duplicates {twin.bib_key!r} at {twin.source} ({why})")
    original = path.read_bytes()
    text = original.decode("utf-8", errors="surrogateescape")
    nl = "\r\n" if "\r\n" in text else "\n"
    ends_open = bool(text) and not text.endswith("\n")
    prefix = text + (nl if ends_open else "")
    line = prefix.count("\n") + (library.entries[0].start_line or 0) + 1
    new_text = prefix + entry_text.replace("\n", nl) + ("" if ends_open else nl)
    data = new_text.encode("utf-8", errors="surrogateescape")
    return BibEdit(path, rel, data, line, key, entry_text, original)


def _read_entry(entry_text: str, name: str, rel: str) -> PaperSighting:
    """The entry as the build reads it; any finding the build would report refuses it."""
    findings = Findings()
    with tempfile.TemporaryDirectory(prefix="headkg-add-") as folder:
        temp = Path(folder) / name
        temp.write_text(entry_text + "\n", encoding="utf-8")
        sightings = parse_bib_file(temp, rel, findings)
    if findings:
        first = findings[0]
        raise InvalidRequestError(f"the bib entry: {first.message}" + (f" ({first.hint})" if first.hint else ""))
    if len(sightings) != 1:
        raise InvalidRequestError("the bib entry gives no paper")
    return sightings[0]
