"""Parser for the list's HTML-table form (the README since late 2024).

Each paper is a pair of ``<tr>``: a row with the date (``rowspan=2``), the bold title, the
Tags cell (head-type badges) and the Links cell (venue/code badges wrapped in links), then a
row with one ``colspan=3`` cell of "• ..." summary lines. Year sections ("Year 2025",
"Before ChatGPT Announced") sit between the tables.

This module only finds the tables, their sections and each row's cells in the HTML document (and
keeps line numbers right past libxml2's limit); what a row's cells say is read by
`ingest.readme_row`, which the Markdown parser shares, so both forms obey one set of rules.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import lxml.html
from lxml import etree
from lxml.html import HtmlElement
from markdown_it import MarkdownIt

from headkg.ingest.readme_row import (
    COLUMNS,
    LineOf,
    RowCells,
    Section,
    collapse,
    column_role,
    read_row,
    section_from_heading,
    text_lines,
)
from headkg.ingest.row_template import LineOffsets, extract
from headkg.schema.findings import Findings
from headkg.schema.row_layout import RowLayout
from headkg.schema.sightings import PaperSighting

NAME = "html"


def detect(text: str) -> bool:
    """Whether the README holds HTML table rows (a cheap test; `parse` does the real work)."""
    return re.search(r"<tr\b", text, re.IGNORECASE) is not None


def _mask_fences(text: str) -> str:
    """Blank out fenced code blocks (keeping line numbers), so HTML shown as an example is not read."""
    if "```" not in text and "~~~" not in text:
        return text  # no fence can open: markdown-it need not read it
    lines = text.split("\n")
    for token in MarkdownIt("commonmark").parse(text):
        if token.type == "fence" and token.map:
            for i in range(token.map[0], token.map[1]):
                lines[i] = ""
    return "\n".join(lines)


def _sections(doc: HtmlElement) -> dict[HtmlElement, Section | None]:
    """The section each top-level table sits in, from the headings met before it in document order."""
    current: Section | None = None
    found: dict[HtmlElement, Section | None] = {}
    walk = etree.iterwalk(doc, events=("start", "end"))
    for event, el in walk:
        if el.tag == "table" and event == "start":
            found[el] = current
            walk.skip_subtree()  # nothing inside a table opens a section: its next event is its end
            continue
        text = (el.text if isinstance(el.tag, str) else None) if event == "start" else el.tail
        if text:
            for line in text.split("\n"):
                current = section_from_heading(line) or current
    return found


def _rows(table: HtmlElement) -> Iterator[HtmlElement]:
    """The table's own rows (not those of a table nested in a cell)."""
    if not _has_nested_table(table):
        yield from table.iter("tr")  # (asking each row for its table costs more than the rest of the walk)
        return
    for tr in table.iter("tr"):
        if next(tr.iterancestors("table")) is table:
            yield tr


def _has_nested_table(table: HtmlElement) -> bool:
    return next(table.iterdescendants("table"), None) is not None


def _cells(tr: HtmlElement) -> list[HtmlElement]:
    return [child for child in tr if child.tag in ("td", "th")]


def _span(cell: HtmlElement) -> int:
    """A cell's colspan; a missing or garbled value counts as 1, as browsers do."""
    value = (cell.get("colspan") or "").strip()
    return int(value) if value.isdigit() else 1


def _header(cells: list[HtmlElement]) -> list[str | None] | None:
    roles = [column_role(collapse(cell.text_content())) for cell in cells]
    return roles if {"date", "title"} <= set(roles) else None


def parse(text: str, rel: str, findings: Findings, today: dt.date, *, layouts: bool = True) -> list[PaperSighting]:
    """Every paper row of every paper table (one whose header names Date and Paper columns), each with
    its layout (`layouts`).

    Broken markup does not lose papers silently: a table left without its `</table>` is closed after
    its last row when the next table starts (libxml2 would nest the rest of the README inside it),
    and any `<tr>` of the file that the HTML parser dropped is a finding with its line.
    """
    masked = _close_open_tables(_mask_fences(text), rel, findings)
    try:
        doc = lxml.html.document_fromstring(_stamp_lines(masked).encode("utf-8"), parser=_parser())
    except (etree.ParserError, ValueError) as err:
        findings.error(
            rel,
            None,
            f"the README cannot be read as HTML: {err}",
            "check the file is the paper list",
            code="readme.unreadable",
        )
        return []
    sightings: list[PaperSighting] = []
    offsets = LineOffsets(text)
    for table, section in _sections(doc).items():
        for sighting, first, last in _parse_table(table, section, rel, findings, today):
            sighting.layout = _layout(text, offsets, sighting, first, last) if layouts else None
            sightings.append(sighting)
    _report_lost_rows(masked, doc, rel, findings)
    return sightings


_ROW_EDGE = re.compile(r"<tr\b|</tr\s*>", re.IGNORECASE)


def _layout(
    text: str, offsets: LineOffsets, sighting: PaperSighting, first: HtmlElement, last: HtmlElement
) -> RowLayout | None:
    """The layout of a paper row pair (from its first <tr> to the </tr> closing its last), if it reproduces."""
    start, close = _offset(offsets, first), _offset(offsets, last)
    if start is None or close is None:
        return None
    edge = _ROW_EDGE.search(text, close + 3)
    end = edge.end() if edge is not None and edge[0].startswith("</") else len(text[:close].rstrip()) + 0
    if edge is not None and not edge[0].startswith("</"):
        end = len(text[: edge.start()].rstrip())
    line_start = text.rfind("\n", 0, start) + 1
    if not text[line_start:start].strip():
        start = line_start
    layout = extract(text[start:end], sighting, "html")
    if layout is not None:
        layout.start, layout.end = start, end
    return layout


def _offset(offsets: LineOffsets, tr: HtmlElement) -> int | None:
    line, column = _line(tr), tr.get(COLUMN_ATTRIBUTE)
    if not line or column is None or not column.isdigit():
        return None
    return offsets.offset(line) + int(column)


_TABLE_TAG = re.compile(r"<(/?)(table|td|th|tr)\b[^>\n]*>?", re.IGNORECASE)  # within one line
_ROW_TAG = re.compile(r"<tr\b", re.IGNORECASE)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


def _close_open_tables(text: str, rel: str, findings: Findings) -> str:
    """`</table>` added after the last row of a table still open (outside any cell) when the next
    table starts, with a finding for each: libxml2 would nest the rest of the README inside it.
    A table nested in a cell stays nested."""
    inserts: list[int] = []  # where a </table> goes
    opened = depth = cells = 0  # `opened`: where the open top-level table starts
    row_end: int | None = None  # just after the last </tr> of the open top-level table
    for tag in _TABLE_TAG.finditer(text):  # (one pass over the text: cheaper than line by line)
        closing, name = tag.group(1) == "/", tag.group(2).lower()
        if name != "table":
            if depth == 1 and name in ("td", "th"):
                cells = max(0, cells + (-1 if closing else 1))
            elif depth == 1 and closing:
                row_end = tag.end()
            continue
        if not closing and depth == 1 and cells == 0:
            line, first = text.count("\n", 0, tag.start()) + 1, text.count("\n", 0, opened) + 1
            findings.warn(
                rel,
                line,
                f"the table opened at line {first} has no </table> before this table; read as closed after its "
                "last row",
                "add the missing </table> at the end of the table above",
                code="readme.unclosed-table",
            )
            inserts.append(tag.start() if row_end is None else row_end)
            depth = 0
        depth = max(0, depth + (-1 if closing else 1))
        if depth == 1 and not closing:
            opened, cells, row_end = tag.start(), 0, None
    for at in sorted(inserts, reverse=True):
        text = text[:at] + "</table>" + text[at:]
    return text


def _report_lost_rows(text: str, doc: HtmlElement, rel: str, findings: Findings) -> None:
    """A finding for each line with a `<tr` whose row the HTML parser did not keep."""
    kept = {_line(tr) for tr in doc.iter("tr")}
    uncommented = _COMMENT.sub(lambda m: "\n" * m.group().count("\n"), text)  # a row commented out is no loss
    at, line, reported = 0, 1, 0
    for row in _ROW_TAG.finditer(uncommented):  # (`<tr` never spans lines)
        line += uncommented.count("\n", at, row.start())
        at = row.start()
        if line not in kept and line != reported:
            reported = line
            findings.warn(
                rel,
                line,
                "this table row was lost to broken HTML around it; its paper is not read",
                "check the tags around it: an unclosed quote, comment or tag swallows what follows",
                code="readme.lost-row",
            )


# libxml2's HTML parser counts lines in 16 bits: past line 65535 every `sourceline` reads 65535.
# So each tag that provenance needs is stamped with its true line before parsing.
LINE_ATTRIBUTE = "data-headkg-line"
COLUMN_ATTRIBUTE = "data-headkg-col"  # on <tr> only: where a row starts, for its layout
_STAMPED_TAG = re.compile(r"<(tr|td|th|img|a|strong|b)\b", re.IGNORECASE)


def _stamp_lines(text: str) -> str:
    """The text with `data-headkg-line="N"` added to every tag whose line provenance records (and the
    column to each <tr>)."""
    out: list[str] = []
    at = line_start = 0  # where the text is copied up to; where the tag's line starts
    line = 1
    for tag in _STAMPED_TAG.finditer(text):  # (a tag never spans lines: one pass, counting them)
        start, name = tag.start(), tag.group(1)
        if newlines := text.count("\n", at, start):
            line += newlines
            line_start = text.rfind("\n", at, start) + 1
        column = f' {COLUMN_ATTRIBUTE}="{start - line_start}"' if name.lower() == "tr" else ""
        out.append(f'{text[at:start]}<{name} {LINE_ATTRIBUTE}="{line}"{column}')
        at = tag.end()
    out.append(text[at:])
    return "".join(out)


def _line(el: HtmlElement) -> int | None:
    stamped = el.get(LINE_ATTRIBUTE)
    return int(stamped) if stamped and stamped.isdigit() else el.sourceline


def _source_line(default: int) -> LineOf:
    """An element's own line, or the row's when it has none."""
    return lambda el: _line(el) or default


def _parser() -> lxml.html.HTMLParser:
    """libxml2's HTML parser; `huge_tree` lifts its 10 MB limit on one text node (a long summary line).

    Every element is a plain `HtmlElement`: lxml.html's own lookup, which gives forms and inputs their
    classes (no use here), is Python code run for each element the parser hands out.
    """
    parser = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, huge_tree=True)
    parser.set_element_class_lookup(
        etree.ElementDefaultClassLookup(
            element=HtmlElement,
            comment=lxml.html.HtmlComment,
            pi=lxml.html.HtmlProcessingInstruction,
            entity=lxml.html.HtmlEntity,
        )
    )
    return parser


Row = tuple[PaperSighting, HtmlElement, HtmlElement]  # a paper, its row's <tr>, the last <tr> of its pair


def _parse_table(
    table: HtmlElement, section: Section | None, rel: str, findings: Findings, today: dt.date
) -> list[Row]:
    sightings: list[Row] = []
    columns: list[str | None] | None = None
    last: PaperSighting | None = None  # the paper row still waiting for its summary row
    for tr in _rows(table):
        line = _line(tr) or 0
        cells = _cells(tr)
        if columns is None and cells:
            columns = _header(cells)
            if columns is None:
                return []  # not a paper table
            continue
        if columns is None:
            continue
        if not cells:
            findings.warn(
                rel, line, "empty table row", "remove the stray <tr>; an earlier <tr> may be unclosed", code="row.empty"
            )
        elif len(cells) == 1 and _span(cells[0]) > 1:
            if last is None:
                findings.warn(
                    rel,
                    line,
                    "summary row without a paper row above it",
                    "put it under its paper",
                    code="row.orphan-summary",
                )
                continue
            lines = text_lines(cells[0])
            last.summary = "\n".join(([last.summary] if last.summary else []) + lines) or None
            sightings[-1] = (sightings[-1][0], sightings[-1][1], tr)
            last = None
        else:
            if len(cells) != len(columns):
                findings.warn(
                    rel,
                    line,
                    f"row has {len(cells)} cells, the header has {len(columns)}",
                    "fix the row",
                    code="row.cells",
                )
            by_role = dict(zip(columns, cells, strict=False))
            sighting = read_row(
                RowCells(*(by_role.get(role) for role in COLUMNS)),
                rel=rel,
                line=line,
                line_of=_source_line(line),
                section=section,
                findings=findings,
                today=today,
            )
            if sighting is not None:
                sightings.append((sighting, tr, tr))
            last = sighting
    if columns is not None:
        _report_nested_rows(table, rel, findings)
    return sightings


def _report_nested_rows(table: HtmlElement, rel: str, findings: Findings) -> None:
    """A finding for each row of a table nested inside a paper table: its paper would be lost."""
    for tr in table.iter("tr") if _has_nested_table(table) else ():
        if next(tr.iterancestors("table")) is not table:
            findings.warn(
                rel,
                _line(tr),
                "row of a table nested inside a paper table; it is not read",
                "close the paper table with </table> before starting another",
                code="readme.nested-row",
            )
