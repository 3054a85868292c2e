"""The README with a new row pair in place: its year section, its place by date, its check.

The row goes into its year section in descending date order (a missing year section is made,
framed like its neighbour), and the lines around it are parsed back with the list's own parser
before anything is written: a row that would not read back as intended is refused.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass
from pathlib import Path

from headkg.ingest import readme_html
from headkg.ingest.listedit.new_row import NewRow
from headkg.ingest.listedit.readme_layout import RowPairSpan, Table, indent, scan
from headkg.ingest.listedit.row_style import default_layout, render_rows, style_of
from headkg.ingest.readme import README, decode
from headkg.ingest.readme_row import CHATGPT_ANNOUNCED, Section
from headkg.schema.exceptions import InvalidRequestError
from headkg.schema.findings import Findings
from headkg.schema.row_layout import RowLayout
from headkg.schema.sightings import PaperSighting

_LINES = re.compile(r"[^\n]*\n|[^\n]+\Z")


@dataclass
class ReadmeEdit:
    """The README's new bytes, the lines inserted, and where (`line`: 1-based, of the new title)."""

    data: bytes
    inserted: list[str]
    line: int
    section: str
    new_section: bool
    above: tuple[dt.date | None, int] | None
    below: tuple[dt.date | None, int] | None


def _section_for(tables: list[Table], date: dt.date) -> Table | None:
    """The table a paper of this date belongs in; None when its year section does not exist yet."""
    if not any(t.section for t in tables):
        return tables[0]
    if date < CHATGPT_ANNOUNCED:
        before = next((t for t in tables if t.section and t.section.before), None)
        if before is not None:
            return before
    return next((t for t in tables if t.section and t.section.year == date.year), None)


def _age(section: Section) -> tuple[int, int]:
    """Sections sort newest first by this key; "Before ChatGPT" comes after the year it ends in."""
    if section.year is not None:
        return (section.year, 1)
    return ((section.before or CHATGPT_ANNOUNCED).year, 0)


def _table_style(lines: list[str], table: Table, near: RowPairSpan | None) -> RowLayout:
    for rows in ([near] if near else []) + table.rows:
        style = style_of(lines[rows.start : rows.end + 1])
        if style is not None:
            return style
    return default_layout()


def plan_readme(path: Path, row: NewRow, today: dt.date, original: bytes | None = None) -> ReadmeEdit:
    """The new README bytes with the row inserted, checked by parsing the rows around it back.
    `original` is the README's text when it is not the file's (rows planned one after another)."""
    original = path.read_bytes() if original is None else original
    lines = _LINES.findall(original.decode("utf-8", errors="surrogateescape"))
    nl = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
    tables = scan(lines)
    if not tables:
        raise InvalidRequestError(f"{README} has no HTML paper table (header with Date and Paper) to add a row to")
    table = _section_for(tables, row.date)
    above: tuple[dt.date | None, int] | None = None
    below: tuple[dt.date | None, int] | None = None
    before: list[str] = []  # what the check parses around the new lines: the table's frame and neighbours
    after: list[str] = []
    if table is not None:
        previous: RowPairSpan | None = None
        following: RowPairSpan | None = None
        for rows in table.rows:
            if rows.date is not None and rows.date < row.date:
                following = rows
                break
            previous = rows
        at = previous.end + 1 if previous else table.header_end + 1
        inserted = [line + nl for line in render_rows(row, _table_style(lines, table, previous or following))]
        title_at = at + 2
        section, new_section = table.section.label if table.section else "", False
        above = (previous.date, previous.title + 1) if previous else None
        below = (following.date, following.title + 1 + len(inserted)) if following else None
        frame = ([lines[table.heading]] if table.heading is not None else []) + lines[table.open : table.header_end + 1]
        before = frame + lines[previous.start if previous else at : at]
        after = lines[at : following.end + 1 if following else table.close] + [f"</table>{nl}"]
    else:
        at, inserted, title_at, section = _new_section(lines, tables, row, nl)
        new_section = True
    _verify(before, inserted, after, title_at - at, row, today)
    data = "".join(lines[:at] + inserted + lines[at:]).encode("utf-8", errors="surrogateescape")
    return ReadmeEdit(data, inserted, title_at + 1, section, new_section, above, below)


def _new_section(lines: list[str], tables: list[Table], row: NewRow, nl: str) -> tuple[int, list[str], int, str]:
    """A year section for the row, framed like its neighbour section; (index, lines, title index, label)."""
    label = f"Year {row.date.year}"
    sectioned = [t for t in tables if t.section is not None and t.heading is not None]
    if not sectioned:
        raise InvalidRequestError(f"{README} has no year section to copy for a new '{label}'; add it by hand")
    key = (row.date.year, 1)
    older = next((t for t in sectioned if t.section is not None and _age(t.section) < key), None)
    model = older or sectioned[-1]
    assert model.section is not None and model.heading is not None  # for the type checker: filtered above
    style = _table_style(lines, model, None)
    rows = [line + nl for line in render_rows(row, style)]
    head = lines[model.block_start : model.header_end + 1]
    k = model.heading - model.block_start
    heading = head[k]
    if model.section.label in heading:
        head[k] = heading.replace(model.section.label, label, 1)
    else:
        head[k] = f"{indent(heading)}<strong>{label}</strong>{nl}"
    tail = lines[(model.rows[-1].end + 1 if model.rows else model.header_end + 1) : model.block_end + 1]
    block = head + rows + tail
    gap = _gap(lines, tables, model) or [nl]
    if older is not None:
        at = model.block_start
        return at, block + gap, at + len(head) + 2, label
    at = model.block_end + 1
    return at, gap + block, at + len(gap) + len(head) + 2, label


def _gap(lines: list[str], tables: list[Table], model: Table) -> list[str]:
    """The blank lines the README puts between two sections (next to the model section)."""
    i = tables.index(model)
    pairs = [(model, tables[i + 1])] if i + 1 < len(tables) else []
    pairs += [(tables[i - 1], model)] if i > 0 else []
    for first, second in pairs:
        between = lines[first.block_end + 1 : second.block_start]
        if between and all(not line.strip() for line in between):
            return between
    return []


def _verify(before: list[str], block: list[str], after: list[str], title: int, row: NewRow, today: dt.date) -> None:
    """Parse the new lines in their context with the list's parser: the row must read as written and
    bring no finding the context did not have. (Only the context, not the whole README, is parsed:
    a large list is parsed once, for the duplicate check.)"""

    def read(lines: list[str], findings: Findings) -> list[PaperSighting]:
        text = decode("".join(lines).encode("utf-8", errors="surrogateescape"), README, findings)
        return readme_html.parse(text, README, findings, today)

    known, found = Findings(), Findings()
    read(before + after, known)
    sightings = read(before + block + after, found)
    cut = len(before)
    shifted = {(f.message, f.line + len(block) if f.line and f.line > cut else f.line) for f in known}
    fresh = [f for f in found if (f.message, f.line) not in shifted]
    if fresh:
        hint = f" ({fresh[0].hint})" if fresh[0].hint else ""
        raise InvalidRequestError(f"the new row would not read cleanly: {fresh[0].message}{hint}; nothing written")
    expected = (
        html.unescape(row.title),
        row.date,
        row.heads,
        [row.link],
        "\n".join(html.unescape(line) for line in row.summary) or None,
    )
    mine = next((s for s in sightings if s.source.line == cut + title + 1), None)
    got = (
        (mine.title, mine.date, [_mention(m.name, m.qualifier) for m in mine.heads], mine.urls, mine.summary)
        if mine
        else None
    )
    if got != expected:
        raise InvalidRequestError(f"the new row would read back as {got}, not {expected}; nothing written")


def _mention(name: str, qualifier: str | None) -> str:
    return f"{name} ({qualifier})" if qualifier else name
