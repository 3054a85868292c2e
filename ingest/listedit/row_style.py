"""How a README table lays out a paper's row pair, and the new row drawn in that layout.

The list's tables are indented differently from one stretch to the next; a new row copies the
layout of its neighbour (`style_of`) so the file reads as if written by hand, and falls back to
the list's usual layout (`RowStyle()`) where no neighbour can be read.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass

from headkg.ingest.listedit.badge_urls import head_badge_url
from headkg.ingest.listedit.new_row import NewRow
from headkg.ingest.listedit.readme_layout import indent

_TD = re.compile(r"<td\b[^>]*>", re.IGNORECASE)


@dataclass(frozen=True)
class RowStyle:
    """How a table lays out a paper's row pair: indents, the cells' opening tags, badge spacing."""

    tr: str = "  "
    date: str = "    "
    title: str = "    "
    tags: str = "    "
    links: str = "    "
    tr_close: str = "  "
    tr2: str = "  "
    summary: str = "      "
    bullet: str = "        "
    summary_close: str = "      "
    tr2_close: str = "  "
    date_td: str = '<td rowspan="2" style="width: 15%;">'
    title_td: str = '<td style="width: 55%;">'
    tags_td: str = '<td style="width: 15%;">'
    links_td: str = '<td style="width: 15%;">'
    summary_td: str = '<td colspan="3">'
    badge_sep: str = ""
    link_indent: str | None = "      "  # None: the link sits on the Links cell's own line
    links_close: str = "    "


class _NoStyle(Exception):
    pass


def style_of(lines: list[str]) -> RowStyle | None:
    """The layout of an existing row pair (its lines), or None when it is laid out unlike the list."""
    rows = [line.rstrip("\r\n") for line in lines]
    pos = 0

    def take(test: Callable[[str], bool]) -> str:
        nonlocal pos
        for j in range(pos, len(rows)):
            if test(rows[j]):
                pos = j + 1
                return rows[j]
        raise _NoStyle

    def td(line: str) -> str:
        match = _TD.search(line)
        if match is None:
            raise _NoStyle
        return match[0]

    try:
        tr = take(lambda line: line.strip().casefold() == "<tr>")
        date = take(lambda line: "rowspan" in line)
        title = take(lambda line: "<td" in line and "<strong" in line)
        tags = take(lambda line: "<td" in line)
        links = take(lambda line: "<td" in line)
        link_indent, links_close = None, ""
        if "</td>" not in links:
            link_indent = indent(take(lambda line: "<a " in line))
            links_close = indent(take(lambda line: line.strip() == "</td>"))
        tr_close = take(lambda line: line.strip() == "</tr>")
        tr2 = take(lambda line: line.strip().casefold() == "<tr>")
        summary = take(lambda line: "colspan" in line and line.strip().endswith(">"))
        has_bullet = pos < len(rows) and rows[pos].strip().startswith("•")
        # a row without summary (as `discover` writes them) still gives its layout: bullets two deeper
        bullet = take(lambda line: line.strip().startswith("•")) if has_bullet else indent(summary) + "  "
        summary_close = take(lambda line: line.strip() == "</td>")
        tr2_close = take(lambda line: line.strip() == "</tr>")
        return RowStyle(
            tr=indent(tr),
            date=indent(date),
            title=indent(title),
            tags=indent(tags),
            links=indent(links),
            tr_close=indent(tr_close),
            tr2=indent(tr2),
            summary=indent(summary),
            bullet=indent(bullet),
            summary_close=indent(summary_close),
            tr2_close=indent(tr2_close),
            date_td=td(date),
            title_td=td(title),
            tags_td=td(tags),
            links_td=td(links),
            summary_td=td(summary),
            badge_sep=" " if "> <img" in tags else "",
            link_indent=link_indent,
            links_close=links_close,
        )
    except _NoStyle:
        return None


def render_rows(row: NewRow, style: RowStyle) -> list[str]:
    """The row pair's lines (without line ends) in the given layout."""
    badges = style.badge_sep.join(
        f'<img src="{html.escape(head_badge_url(name))}" alt="{html.escape(name)} Badge">' for name in row.heads
    )
    anchor = f'<a href="{html.escape(row.link)}"><img src="{row.link_badge}" alt="Paper Badge"></a>'
    out = [
        f"{style.tr}<tr>",
        f"{style.date}{style.date_td}{row.date.isoformat()}</td>",
        f"{style.title}{style.title_td}<strong>{row.title}</strong></td>",
        f"{style.tags}{style.tags_td}{badges}</td>",
    ]
    if style.link_indent is None:
        out.append(f"{style.links}{style.links_td}{anchor}</td>")
    else:
        out += [f"{style.links}{style.links_td}", f"{style.link_indent}{anchor}", f"{style.links_close}</td>"]
    out += [f"{style.tr_close}</tr>", f"{style.tr2}<tr>", f"{style.summary}{style.summary_td}"]
    out += [
        f"{style.bullet}• {line}" + ("<br>" if i < len(row.summary) - 1 else "") for i, line in enumerate(row.summary)
    ]
    out += [f"{style.summary_close}</td>", f"{style.tr2_close}</tr>"]
    return out
