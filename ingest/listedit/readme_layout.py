"""The README's paper tables and their year sections, found as line ranges of the file.

`headkg add` edits the README as lines so that every byte it does not add stays as it was; this
is the map it edits by: where each table, its section heading and each paper's row pair start and
end. It is read line by line, not through the HTML parser, because the parser keeps no line ranges.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass

from headkg.ingest.readme_row import Section, section_from_heading

_TAG = re.compile(r"<[^>]*>")
_TABLE_TAG = re.compile(r"<(/?)table\b", re.IGNORECASE)
_DATE = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")


@dataclass
class RowPairSpan:
    """A paper's pair of <tr> in the README, as line indexes (0-based, inclusive)."""

    start: int
    end: int
    title: int
    date: dt.date | None


@dataclass
class Table:
    """A paper table and the section block around it, as line indexes (0-based, inclusive)."""

    section: Section | None
    heading: int | None  # the line naming the section
    open: int  # <table
    block_start: int  # the heading, or the <details> that wraps it
    block_end: int  # </table>, or the </details> that closes the wrap
    header_end: int  # the </tr> of the header row
    close: int  # </table>
    rows: list[RowPairSpan]


def indent(line: str) -> str:
    """The line's leading whitespace."""
    return line[: len(line) - len(line.lstrip())]


def _text(line: str) -> str:
    return " ".join(html.unescape(_TAG.sub(" ", line)).split())


def _row_date(line: str) -> dt.date | None:
    match = _DATE.search(_text(line))
    if match is None:
        return None
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def scan(lines: list[str]) -> list[Table]:
    """The README's paper tables with their sections, read line by line (fenced code skipped)."""
    tables: list[Table] = []
    section: Section | None = None
    heading: int | None = None
    fence: str | None = None
    i = 0
    while i < len(lines):
        line = lines[i]
        marker = _FENCE.match(line)
        if marker and (fence is None or marker[1].startswith(fence)):
            fence = None if fence else marker[1]
        elif fence is None and re.search(r"<table\b", line, re.IGNORECASE):
            close = _closing_table(lines, i)
            table = _read_table(lines, i, close, section, heading)
            if table is not None:
                tables.append(table)
            heading = None
            i = close
        elif fence is None and (found := section_from_heading(_text(line))):
            section, heading = found, i
        i += 1
    return tables


def _closing_table(lines: list[str], start: int) -> int:
    depth = 0
    for j in range(start, len(lines)):
        if "table" in lines[j].casefold():  # most lines hold no table tag: skip the regex
            for tag in _TABLE_TAG.finditer(lines[j]):
                depth += -1 if tag[1] else 1
            if depth <= 0:
                return j
    return len(lines) - 1


def _read_table(lines: list[str], start: int, close: int, section: Section | None, heading: int | None) -> Table | None:
    header_end = next((j for j in range(start, close) if "</tr>" in lines[j]), None)
    if header_end is None:
        return None
    header = _text(" ".join(lines[start : header_end + 1])).casefold()
    if "date" not in header or not ("paper" in header or "title" in header):
        return None
    starts: list[tuple[int, int]] = []  # (<tr> line, date cell line)
    for j in range(header_end + 1, close):
        if "rowspan" in lines[j] and "<td" in lines[j]:
            tr = next((k for k in range(j, header_end, -1) if "<tr" in lines[k]), j)
            starts.append((tr, j))
    rows: list[RowPairSpan] = []
    for n, (tr, date_line) in enumerate(starts):
        limit = starts[n + 1][0] if n + 1 < len(starts) else close
        end = next((k for k in range(limit - 1, date_line, -1) if "</tr>" in lines[k]), limit - 1)
        title = next((k for k in range(date_line, end + 1) if "<strong" in lines[k]), date_line)
        rows.append(RowPairSpan(start=tr, end=end, title=title, date=_row_date(lines[date_line])))
    block_start, block_end = start, close
    if heading is not None:
        block_start = heading
        before = next((k for k in range(heading - 1, -1, -1) if lines[k].strip()), None)
        if before is not None and lines[before].strip().casefold().startswith("<details"):
            block_start = before
            after = next((k for k in range(close + 1, len(lines)) if lines[k].strip()), None)
            if after is not None and lines[after].strip().casefold().startswith("</details"):
                block_end = after
    return Table(section, heading, start, block_start, block_end, header_end, close, rows)
