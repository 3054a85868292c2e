"""What a finding is about, independent of the line it sits on: the README row (by its title), the
bib entry (by its key), or for anything else the text of its line.

`check --base` matches the findings of two versions of the list by subject and kind, never by line
number, because a row added above moves every finding below it. A producer that knows better (the
resolver, whose findings are about a pair of records) sets `Finding.subject` itself; every other
finding gets its subject here, from the text of its file, so no parser has to know about it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable

from headkg.schema.findings import Finding
from headkg.schema.sightings import PaperSighting
from headkg.schema.titles import normalize_title

_ROW_START = re.compile(r"<td\b[^>]*\browspan\b", re.IGNORECASE)
_TABLE_EDGE = re.compile(r"</?table\b", re.IGNORECASE)
_BOLD = re.compile(r"<(strong|b)\b[^>]*>(.*?)</\1\s*>", re.IGNORECASE | re.DOTALL)
_MD_BOLD = re.compile(r"\*\*(.+?)\*\*|__(.+?)__")
_TAG = re.compile(r"<[^>]*>")
_BIB_ENTRY = re.compile(r"^\s*@\s*(\w+)\s*[{(]\s*([^,\s]+)\s*,")
LOCATION = re.compile(r"([\w./+-]+\.(?:md|bib|tex|ya?ml)):(\d+)")  # a file:line a message names
LINE_WORD = re.compile(r"\b(on )?line \d+")  # a line a message names in words
SCAN_LIMIT = 60  # lines looked back for the start of a README row or a bib entry

Lines = Callable[[str], list[str] | None]  # a file of the version -> its lines (None: not there)


def row_subject(title: str) -> str:
    """The subject of a README row: its title, normalised (so re-wording spaces or case is no change)."""
    return f"row:{normalize_title(title)}"


def bib_subject(key: str) -> str:
    """The subject of a bib entry: its key as BibTeX compares keys (case-insensitively)."""
    return f"bib:{key.casefold()}"


def sighting_subject(sighting: PaperSighting) -> str:
    """A README row's or a bib entry's subject, from its sighting."""
    return record_subject(sighting.kind, sighting.title, sighting.bib_key)


def record_subject(kind: str, title: str, bib_key: str | None) -> str:
    """The subject of a record by its kind, title and bib key (a sighting's, or its JSON data's)."""
    return bib_subject(bib_key) if kind == "bib" and bib_key else row_subject(title)


def is_record_subject(subject: str) -> bool:
    """Whether a subject names a README row or a bib entry (rather than a line's text or a pair)."""
    return subject.startswith(("row:", "bib:"))


def pair_subject(a: PaperSighting, b: PaperSighting) -> str:
    """The subject of a finding about two records (a duplicate, a look-alike): both, in either order."""
    return "pair:" + "|".join(sorted((sighting_subject(a), sighting_subject(b))))


def pair_members(subject: str) -> list[str]:
    """The two subjects of a pair subject (empty for any other subject)."""
    return subject.removeprefix("pair:").split("|") if subject.startswith("pair:") else []


def _collapse(text: str) -> str:
    return " ".join(html.unescape(_TAG.sub(" ", text)).split())


def _readme_row(lines: list[str], index: int) -> str | None:
    """The title of the README row holding line `index` (0-based), in either of the list's forms."""
    line = lines[index]
    if line.lstrip().startswith("|"):  # a Markdown pipe-table row is one line
        bold = _MD_BOLD.search(line)
        return (bold[1] or bold[2]) if bold else None
    start = None
    for i in range(index, max(-1, index - SCAN_LIMIT), -1):
        if _ROW_START.search(lines[i]):
            start = i
            break
        if i != index and _TABLE_EDGE.search(lines[i]):
            return None
    if start is None:
        return None
    text = "\n".join(lines[start : start + SCAN_LIMIT])
    bold = _BOLD.search(text)
    return _collapse(bold[2]) if bold else None


def _bib_entry(lines: list[str], index: int) -> str | None:
    for i in range(index, max(-1, index - SCAN_LIMIT * 10), -1):
        match = _BIB_ENTRY.match(lines[i])
        if match:
            return match[2] if match[1].casefold() not in ("comment", "string", "preamble") else None
    return None


def subject_from_text(file: str, line: int | None, lines: list[str] | None) -> str:
    """The subject of a finding at `file`:`line`, read from the file's lines (None: file-wide)."""
    if not line or lines is None or not 0 < line <= len(lines):
        return ""
    index = line - 1
    if file.endswith(".md"):
        title = _readme_row(lines, index)
        if title:
            return row_subject(title)
    elif file.endswith(".bib"):
        key = _bib_entry(lines, index)
        if key:
            return bib_subject(key)
    return f"line:{_collapse(lines[index])}"


def with_subjects(findings: Iterable[Finding], lines_of: Lines) -> list[Finding]:
    """The findings, each with its subject (kept when its producer gave one)."""
    cache: dict[str, list[str] | None] = {}
    out: list[Finding] = []
    for finding in findings:
        if not finding.subject:
            if finding.file not in cache:
                cache[finding.file] = lines_of(finding.file)
            subject = subject_from_text(finding.file, finding.line, cache[finding.file])
            finding = finding.model_copy(update={"subject": subject})
        out.append(finding)
    return out


def message_key(message: str) -> str:
    """The message without the line numbers it names ("same paper as README.md:776" -> "... README.md")."""
    return LINE_WORD.sub("line", LOCATION.sub(r"\1", message))
