"""Reading the list's README: find the form its paper tables take and hand it to that form's parser.

The list has changed form once already (Markdown pipe table, then HTML tables), so each form is a
module with ``NAME``, ``detect(text)`` and ``parse(text, rel, findings, today)``, registered in
`FORMATS`. A new form needs one new module and one line here.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Protocol

from headkg.ingest import readme_html, readme_markdown
from headkg.schema.exceptions import SourceError
from headkg.schema.findings import Findings
from headkg.schema.sightings import PaperSighting

README = "README.md"  # the list's README, by its path in a checkout (and in provenance and findings)


class ReadmeFormat(Protocol):
    """What a README form's parser module provides."""

    NAME: str

    def detect(self, text: str) -> bool: ...

    def parse(
        self, text: str, rel: str, findings: Findings, today: dt.date, *, layouts: bool = True
    ) -> list[PaperSighting]: ...


# Every form whose `detect` matches is parsed: they read disjoint tables (lxml sees no pipe table,
# markdown-it sees an HTML table as an opaque block), so a README caught between forms still works.
FORMATS: tuple[ReadmeFormat, ...] = (readme_html, readme_markdown)


def decode(data: bytes, rel: str, findings: Findings) -> str:
    """The file as text with "\\n" line ends; undecodable bytes become U+FFFD and one warning."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        findings.warn(
            rel,
            line,
            f"bytes that are not UTF-8 ({data[err.start : err.end]!r}); replaced by U+FFFD",
            "save the README as UTF-8",
            code="readme.encoding",
        )
        text = data.decode("utf-8-sig", errors="replace")
    # lxml and markdown-it count lines alike only on "\n"; NUL breaks lxml.
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "\ufffd")


def parse_readme(path: Path, rel: str, findings: Findings, today: dt.date | None = None) -> list[PaperSighting]:
    """The README's papers, in file order; problems in it are added to `findings`, never raised.

    `rel` is the path recorded in provenance (e.g. "README.md"); `today` (default: the current
    date) is the limit past which a row's date is reported as in the future.
    Raises `SourceError` only when the file cannot be read at all.
    """
    try:
        data = path.read_bytes()
    except OSError as err:
        raise SourceError(f"cannot read the list's README {path}: {err.strerror or err}") from err
    return parse_text(decode(data, rel, findings), rel, findings, today)


def parse_text(
    text: str, rel: str, findings: Findings, today: dt.date | None = None, *, layouts: bool = True
) -> list[PaperSighting]:
    """`parse_readme` on text already decoded. Without `layouts`, rows get no layout (a check needs
    none; `render` and `add` do)."""
    today = today or dt.date.today()
    formats = [fmt for fmt in FORMATS if fmt.detect(text)]
    if not formats:
        names = ", ".join(fmt.NAME for fmt in FORMATS)
        findings.warn(
            rel,
            None,
            f"no paper table found (known forms: {names})",
            "add a parser for the new form to FORMATS",
            code="readme.no-table",
        )
        return []
    sightings = [sighting for fmt in formats for sighting in fmt.parse(text, rel, findings, today, layouts=layouts)]
    if not sightings:
        findings.warn(
            rel, None, "the paper tables hold no paper row", "check the tables' header rows", code="readme.no-rows"
        )
    return sorted(sightings, key=lambda sighting: sighting.source.line)


def sections(text: str) -> list[tuple[int, str]]:
    """The text cut after each closing `</table>` line: (first line, chunk) pairs covering it all.

    Each chunk holds one year's heading and table, so a chunk whose text did not change parses to
    the same papers wherever it now stands: the unit an incremental build reuses.
    """
    chunks: list[tuple[int, str]] = []
    lines = text.splitlines(keepends=True)
    start = 0
    for index, line in enumerate(lines):
        if "</table>" in line.lower():
            chunks.append((start + 1, "".join(lines[start : index + 1])))
            start = index + 1
    if start < len(lines):
        chunks.append((start + 1, "".join(lines[start:])))
    return chunks


def has_table(text: str) -> bool:
    return any(fmt.detect(text) for fmt in FORMATS)
