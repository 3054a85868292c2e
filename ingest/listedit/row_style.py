"""How a README table lays out a paper's row pair, and the new row drawn in that layout.

The list's tables are indented differently from one stretch to the next; a new row copies the
layout of its neighbour (`style_of`: the neighbour read by the list's parser, its layout found as
`headkg render` finds every row's), and falls back to the list's usual layout (`default_layout`)
where no neighbour can be read. The row is written by `ingest.row_template.render_row`, the one
writer of the list's row format.
"""

from __future__ import annotations

import datetime as dt
import html
from functools import cache

from headkg.ingest import readme_html
from headkg.ingest.badge_urls import ARXIV_BADGE
from headkg.ingest.listedit.new_row import NewRow
from headkg.ingest.readme import README
from headkg.ingest.row_template import RowContent, render_row
from headkg.schema.findings import Findings
from headkg.schema.row_layout import RowLayout

_TABLE = "<table>\n<tr><td>Date</td><td>Paper</td><td>Tags</td><td>Links</td></tr>\n{rows}</table>\n"

# The list's usual layout, for a table with no row to copy.
USUAL_ROW = (
    "  <tr>\n"
    '    <td rowspan="2" style="width: 15%;">2024-01-01</td>\n'
    '    <td style="width: 55%;"><strong>Title</strong></td>\n'
    '    <td style="width: 15%;">'
    '<img src="https://img.shields.io/badge/Induction_Head-blue" alt="Induction Head Badge"></td>\n'
    '    <td style="width: 15%;">\n'
    f'      <a href="https://arxiv.org/abs/2401.00001"><img src="{ARXIV_BADGE}" alt="Paper Badge"></a>\n'
    "    </td>\n"
    "  </tr>\n"
    "  <tr>\n"
    '      <td colspan="3">\n'
    "        • One line.<br>\n"
    "        • Another line.\n"
    "      </td>\n"
    "  </tr>\n"
)


def style_of(lines: list[str]) -> RowLayout | None:
    """The layout of an existing row pair (its lines), or None when it does not read as one paper row."""
    text = "".join(line.rstrip("\r\n") + "\n" for line in lines)  # the row's own line ends are the README's
    doc = _TABLE.format(rows=text)
    sightings = readme_html.parse(doc, README, Findings(), dt.date.max)
    return sightings[0].layout if len(sightings) == 1 else None


@cache
def default_layout() -> RowLayout:
    layout = style_of(USUAL_ROW.splitlines(keepends=True))
    assert layout is not None, "the usual row must read as a row"
    return layout


def render_rows(row: NewRow, layout: RowLayout) -> list[str]:
    """The row pair's lines (without line ends) in the given layout."""
    content = RowContent(
        date=row.date.isoformat(),
        title=html.unescape(row.title),
        heads=list(row.heads),
        links=[row.link],
        summary=[html.unescape(line) for line in row.summary],
        link_badges={0: row.link_badge},
    )
    return render_row(layout, content).split("\n")
