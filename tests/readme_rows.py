"""Writing a README row by hand, as a contributor would, for tests that edit a list (check, diff,
incremental builds). Deliberately independent of `headkg add`, so those tests do not rest on it."""

from __future__ import annotations

from pathlib import Path

ARXIV_BADGE = '<img src="https://img.shields.io/badge/arXiv-Paper-%23D2691E?logo=arxiv" alt="Paper Badge">'
ROW = """  <tr>
    <td rowspan="2" style="width: 15%;">{date}</td>
    <td style="width: 55%;"><strong>{title}</strong></td>
    <td style="width: 15%;">{badges}</td>
    <td style="width: 15%;">{links}</td>
  </tr>
  <tr>
    <td colspan="3">
      • A new finding.
    </td>
  </tr>
"""
FIRST_TABLE_HEADER = "<td><strong>Links</strong></td>\n  </tr>\n"


def row(*, date: str, title: str, badges: list[str], arxiv: str | None) -> str:
    """A paper row pair; `badges` are shields.io names as written ("S--Inhibition_Head")."""
    images = "".join(f'<img src="https://img.shields.io/badge/{b}-blue" alt="Badge">' for b in badges)
    links = f'<a href="https://arxiv.org/abs/{arxiv}">{ARXIV_BADGE}</a>' if arxiv else ""
    return ROW.format(date=date, title=title, badges=images, links=links)


def insert_at_top(root: Path, new_row: str) -> int:
    """Put `new_row` first in the README's first table; return the line of its title."""
    readme = root / "README.md"
    head, tail = readme.read_text(encoding="utf-8").split(FIRST_TABLE_HEADER, 1)
    readme.write_text(head + FIRST_TABLE_HEADER + new_row + tail, encoding="utf-8")
    return (head + FIRST_TABLE_HEADER).count("\n") + 3
