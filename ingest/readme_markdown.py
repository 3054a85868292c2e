"""Parser for the list's Markdown pipe-table form (the README until about September 2024).

A row is ``| date | **title**<br><sub>• summary...</sub> | ![](head badge) ... | [![Paper](badge)](url) |``
under "#### Year 2024"-style headings. markdown-it-py finds the tables and the row lines; each
cell is rendered to HTML and read by the same rules as the HTML form (`readme_row.read_row`).
A whole row sits on one line, so every fact of a row carries that line.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import lxml.html
from lxml import etree
from lxml.html import HtmlElement
from markdown_it import MarkdownIt
from markdown_it.rules_block.table import escapedSplit
from markdown_it.token import Token

from headkg.ingest.readme_row import COLUMNS, LineOf, RowCells, Section, column_role, read_row, section_from_heading
from headkg.ingest.row_template import LineOffsets, extract
from headkg.schema.findings import Findings
from headkg.schema.row_layout import RowLayout
from headkg.schema.sightings import PaperSighting

NAME = "markdown"


def _markdown() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": True}).enable("table")


# A pipe table needs a line holding "|" right above its delimiter row: a line of "-", ":", "|" and
# spaces (with the ">" of a block quote). Text without such a pair holds no table, and markdown-it
# (most of a large HTML README's parse time) need not read it.
_DELIMITER_ROW = re.compile(r"[ \t>|:-]*-[ \t>|:-]*")


def _may_hold_table(text: str) -> bool:
    """False only when the text surely holds no pipe table (a cheap test before markdown-it's)."""
    at = text.find("|")
    while at >= 0:
        start = text.find("\n", at) + 1
        if start == 0:
            return False
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        if _DELIMITER_ROW.fullmatch(text, start, end):
            return True
        at = text.find("|", start)
    return False


def detect(text: str) -> bool:
    """Whether the README holds a pipe table whose header names a Date and a Paper column."""
    if not _may_hold_table(text):
        return False
    in_head = False
    header: list[Token] = []
    for token in _markdown().parse(text):
        if token.type in ("thead_open", "thead_close"):
            in_head = token.type == "thead_open"
            if not in_head and _paper_columns(header):
                return True
            header = []
        elif in_head and token.type == "inline":
            header.append(token)
    return False


def _paper_columns(header: list[Token]) -> list[str | None] | None:
    """The column roles a header row names, or None when it is not a paper table's header."""
    columns = [column_role(_plain(cell)) for cell in header]
    return columns if {"date", "title"} <= set(columns) else None


def _plain(token: Token) -> str:
    """The text of an inline token without its markup ("**Year 2024**" gives "Year 2024")."""
    if not token.children:
        return token.content
    breaks = ("softbreak", "hardbreak")
    return "".join(
        "\n" if c.type in breaks else c.content if c.type in ("text", "code_inline") else "" for c in token.children
    )


def _html_text(html: str) -> str:
    try:
        return str(lxml.html.fragment_fromstring(html, create_parent="div").text_content())
    except (etree.ParserError, ValueError):
        return ""


def _cell(md: MarkdownIt, token: Token, env: dict[str, Any]) -> HtmlElement:
    """A table cell's inline Markdown rendered to HTML and parsed, wrapped in a <td>."""
    html = md.renderInline(token.content, env)
    try:
        return lxml.html.fragment_fromstring(html, create_parent="td")
    except (etree.ParserError, ValueError):
        return lxml.html.fragment_fromstring("", create_parent="td")


def _source_cells(line: str) -> int:
    """How many cells the source line really has (markdown-it pads or drops cells silently)."""
    cells = escapedSplit(line.strip())
    if cells and cells[0] == "":
        cells.pop(0)
    if cells and cells[-1] == "":
        cells.pop()
    return len(cells)


def parse(text: str, rel: str, findings: Findings, today: dt.date, *, layouts: bool = True) -> list[PaperSighting]:
    """Every body row of every pipe table whose header names Date and Paper columns (each with its
    layout, with `layouts`)."""
    md = _markdown()
    env: dict[str, Any] = {}  # holds the link reference definitions the cells may use
    tokens = md.parse(text, env)
    lines = text.split("\n")
    offsets = LineOffsets(text)
    section: Section | None = None
    sightings: list[PaperSighting] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.type == "table_open":
            end = next(j for j in range(i, len(tokens)) if tokens[j].type == "table_close")
            found = _table(md, env, tokens[i:end], lines, offsets if layouts else None, section, rel, findings, today)
            sightings.extend(found)
            i = end
        elif token.type in ("inline", "html_block"):
            text_ = _plain(token) if token.type == "inline" else _html_text(token.content)
            for line in text_.split("\n"):
                section = section_from_heading(line) or section
        i += 1
    return sightings


def _row_line(line: int) -> LineOf:
    """A whole pipe-table row sits on one line: every element of it is on that line."""
    return lambda _el: line


def _rows(tokens: list[Token]) -> list[tuple[int, str, list[Token]]]:
    """(0-based line, "th" or "td", inline tokens) for each row of a table's tokens."""
    rows: list[tuple[int, str, list[Token]]] = []
    for k, token in enumerate(tokens):
        if token.type == "tr_open" and token.map:
            cells: list[Token] = []
            kind = "td"
            for inner in tokens[k + 1 :]:
                if inner.type == "tr_close":
                    break
                if inner.type in ("th_open", "td_open"):
                    kind = inner.tag
                elif inner.type == "inline":
                    cells.append(inner)
            rows.append((token.map[0], kind, cells))
    return rows


def _table(
    md: MarkdownIt,
    env: dict[str, Any],
    tokens: list[Token],
    lines: list[str],
    offsets: LineOffsets | None,
    section: Section | None,
    rel: str,
    findings: Findings,
    today: dt.date,
) -> list[PaperSighting]:
    rows = _rows(tokens)
    columns = _paper_columns(rows[0][2]) if rows and rows[0][1] == "th" else None
    if columns is None:
        return []  # not a paper table
    sightings: list[PaperSighting] = []
    for index, _kind, cells in rows[1:]:
        line = index + 1
        count = _source_cells(lines[index])
        if count != len(columns):
            effect = "missing cells are read as empty" if count < len(columns) else "extra cells are ignored"
            findings.warn(
                rel,
                line,
                f"row has {count} cells, the header has {len(columns)}; {effect}",
                "write '\\|' for a '|' inside a cell, and give every row Date | Paper | Tags | Links",
                code="row.cells",
            )
        by_role = {role: _cell(md, cell, env) for role, cell in zip(columns, cells, strict=False) if role}
        sighting = read_row(
            RowCells(*(by_role.get(role) for role in COLUMNS)),
            rel=rel,
            line=line,
            line_of=_row_line(line),
            section=section,
            findings=findings,
            today=today,
        )
        if sighting is not None:
            sighting.layout = _layout(lines, offsets, index, sighting) if offsets is not None else None
            sightings.append(sighting)
    return sightings


def _layout(lines: list[str], offsets: LineOffsets, index: int, sighting: PaperSighting) -> RowLayout | None:
    """The layout of a pipe-table row: its whole line."""
    layout = extract(lines[index], sighting, "markdown")
    if layout is not None:
        layout.start = offsets.offset(index + 1)
        layout.end = layout.start + len(lines[index])
    return layout
