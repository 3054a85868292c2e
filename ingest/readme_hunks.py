"""Re-reading only the README rows a change touched (`check --base` with a store of the base).

git gives the changed lines (`diff -U0`); every other line of the base maps to its new place
(`LineMap`). Around each change, a window of whole rows (one unchanged row on either side where the
section has one) is parsed under its section's own heading and table header, at its lines in the
file. The window stands for the whole section only if it reads as the base read it: its unchanged
rows parse to the records the store cached for them, and nothing about the table's structure is
found. Otherwise (or when a change touches a section's heading, header or end) the caller reads the
whole section, as before.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, overload

from headkg.ingest import git
from headkg.ingest import readme as readme_parser
from headkg.ingest.cache import record_lines, records_at
from headkg.ingest.moves import END_OF_FILE, LineMap, Move, record_at, record_print
from headkg.ingest.readme import README
from headkg.ingest.sections import SectionMap
from headkg.schema.findings import Findings
from headkg.schema.sightings import PaperSighting

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@", re.MULTILINE)
# Findings about a table's structure: a window that has one may not read as its whole table does.
TABLE_CODES = frozenset(
    {
        "readme.no-table",
        "readme.no-rows",
        "readme.unreadable",
        "readme.unclosed-table",
        "readme.lost-row",
        "readme.nested-row",
    }
)
# Findings about one row's structure: a window may have them where the base had them too.
ROW_CODES = frozenset({"row.empty", "row.orphan-summary", "row.cells"})
CONTEXT_ROWS = 1  # unchanged rows read on either side of a change, to prove the window reads alike


class FileLines(Sequence[str]):
    """A file's lines (0-based), each made when read: a window needs a few hundred of a README's
    hundreds of thousands."""

    def __len__(self) -> int:
        raise NotImplementedError

    def line(self, index: int) -> str:
        raise NotImplementedError

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> list[str]: ...
    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            return [self.line(k) for k in range(*index.indices(len(self)))]
        return self.line(index if index >= 0 else len(self) + index)


class LazyLines(FileLines):
    """A UTF-8 file's lines as `readme.decode` gives them, each decoded when read."""

    def __init__(self, data: bytes) -> None:
        self._lines = data.removeprefix(b"\xef\xbb\xbf").split(b"\n")

    def __len__(self) -> int:
        return len(self._lines)

    def line(self, index: int) -> str:
        return self._lines[index].decode("utf-8").removesuffix("\r")


class SectionLines(FileLines):
    """A file's lines holding only one section's (from line `first`, 1-based); the others read as
    blank: a window never leaves its section."""

    def __init__(self, section: list[str], first: int, total: int) -> None:
        self._section, self._first, self._total = section, first, total

    def __len__(self) -> int:
        return self._total

    def line(self, index: int) -> str:
        k = index - (self._first - 1)
        return self._section[k] if 0 <= k < len(self._section) else ""


@dataclass(frozen=True)
class Hunk:
    """Lines `old_first`..`old_last` of the base became `new_first`..`new_last` (an empty side has
    last = first - 1, and first is the line after which the other side's lines were)."""

    old_first: int
    old_last: int
    new_first: int
    new_last: int


def file_hunks(root: Path, base: str, rel: str) -> list[Hunk]:
    """A file's changed line ranges between `base` and the working tree (git diff -U0)."""
    out = git.run(
        ["-C", str(root), "diff", "-U0", "--no-color", "--no-ext-diff", "--no-renames", base, "--", rel],
        timeout=120,
    )
    hunks = []
    for m in _HUNK.finditer(out):
        old_start, old_count = int(m[1]), int(m[2] if m[2] is not None else 1)
        new_start, new_count = int(m[3]), int(m[4] if m[4] is not None else 1)
        old_first = old_start if old_count else old_start + 1
        new_first = new_start if new_count else new_start + 1
        hunks.append(Hunk(old_first, old_first + old_count - 1, new_first, new_first + new_count - 1))
    return hunks


def line_map(hunks: list[Hunk], rel: str = README) -> LineMap:
    """Base line -> line now, for every line of `rel` outside the hunks."""
    moves: list[Move] = []
    after, delta = 1, 0
    for hunk in hunks:
        moves.append((rel, after, hunk.old_first - 1, delta))
        after, delta = hunk.old_last + 1, delta + (hunk.new_last - hunk.new_first) - (hunk.old_last - hunk.old_first)
    moves.append((rel, after, END_OF_FILE, delta))
    return LineMap([m for m in moves if m[1] <= m[2] and m[3]])


@dataclass
class Window:
    """README rows or bib entries read again: the base's lines they replace and what they read as now."""

    old_first: int
    old_last: int
    sightings: list[PaperSighting] = field(default_factory=list)
    findings: Findings = field(default_factory=Findings)
    before: list[dict[str, Any]] = field(default_factory=list)  # the base's records of those lines
    text: str = ""  # what was parsed: the file's lines of the window, each at its line (the rest blank)


def read_windows(
    lines: Sequence[str],
    hunks: list[Hunk],
    sections: SectionMap,
    payloads: Callable[[list[str]], dict[str, str]],
    today: dt.date,
    row_findings: list[tuple[str, int]],
    *,
    layouts: bool = False,
) -> list[Window] | None:
    """The windows that cover `hunks`, parsed; None when any cannot stand for its section.
    `row_findings`: (code, line) of the base's README findings of `ROW_CODES`. With `layouts`, the
    rows get their layouts (offsets into `Window.text`), as a build keeps them."""
    moved = line_map(hunks)
    spans = sorted((first, last, key) for key, (first, last) in sections.spans.items())
    touched: dict[str, list[Hunk]] = {}
    for hunk in hunks:
        found = [(first, last, key) for first, last, key in spans if first <= hunk.old_first and hunk.old_last < last]
        if len(found) != 1:
            return None  # outside every section, or reaching a section's last line (its </table>)
        touched.setdefault(found[0][2], []).append(hunk)
    cached = payloads(list(touched))
    windows = []
    for key, section_hunks in touched.items():
        if key not in cached:
            return None
        first, last = sections.spans[key]
        window = _window(lines, (first, last), _Records(cached[key], first), section_hunks, moved, today, layouts)
        if window is None or not _same_row_findings(window, row_findings, moved):
            return None
        windows.append(window)
    return windows


class _Records:
    """A cached section's records: all their lines (file lines, in order), the data of those asked."""

    def __init__(self, payload: str, first: int) -> None:
        self._payload = payload
        relative = record_lines(payload)
        self._order = sorted(range(len(relative)), key=relative.__getitem__)
        self.lines = [relative[k] + first - 1 for k in self._order]

    def data(self, low: int, high: int) -> list[dict[str, Any]]:
        """The records from the `low`-th to the `high`-th (in line order)."""
        return records_at(self._payload, self._order[low : high + 1])


def _window(
    lines: Sequence[str],
    span: tuple[int, int],
    records: _Records,
    hunks: list[Hunk],
    moved: LineMap,
    today: dt.date,
    layouts: bool = False,
) -> Window | None:
    """One window over the hunks of one section, parsed and checked against the base's records.

    A record is stated at its title's line, inside its row (from its `<tr` to the next row's): so
    the rows a hunk may touch are those whose title is in it and one more on either side; the
    window adds `CONTEXT_ROWS` untouched rows on either side, which must read as the base read them.
    """
    first, last = span
    low, high = min(h.old_first for h in hunks), max(h.old_last for h in hunks)
    titles = records.lines
    a = next((k for k, t in enumerate(titles) if t >= low), len(titles))
    b = max((k for k, t in enumerate(titles) if t <= high), default=-1)
    lo, hi = max(a - 1 - CONTEXT_ROWS, 0), min(b + 1 + CONTEXT_ROWS, len(titles) - 1)
    if lo > hi:
        return None
    header_end = _header_end(lines, moved.line(README, first))
    if header_end is None or header_end >= min(h.new_first for h in hunks):
        return None  # the change reaches the section's heading or table header
    start = header_end + 1 if a - 1 - CONTEXT_ROWS < 0 else _row_start(lines, moved.line(README, titles[lo]))
    if hi + 1 < len(titles):
        following = _row_start(lines, moved.line(README, titles[hi + 1]))
        end = following - 1 if following is not None else None
    else:
        end = moved.line(README, last) - 1  # up to the section's closing </table> line
    if start is None or end is None or start <= header_end or end < start:
        return None
    old_first = _old(moved, titles[lo], start) if a - 1 - CONTEXT_ROWS >= 0 else header_end - _shift(moved, first) + 1
    old_last = _old(moved, titles[hi + 1], end + 1) - 1 if hi + 1 < len(titles) else last - 1
    new_first = moved.line(README, first)
    text = (
        "\n" * (new_first - 1)
        + "\n".join(lines[new_first - 1 : header_end])
        + "\n" * (start - header_end)
        + "\n".join(lines[start - 1 : end])
        + "\n</table>\n"
    )
    window = Window(old_first, old_last, before=records.data(lo, hi), text=text if layouts else "")
    window.sightings = readme_parser.parse_text(text, README, window.findings, today, layouts=layouts)
    if any(f.code in TABLE_CODES for f in window.findings):
        return None
    context = [k for k in (a - 1 - CONTEXT_ROWS, b + 1 + CONTEXT_ROWS) if 0 <= k < len(titles)]
    kept = {record_print(record_at(window.before[k - lo], moved.line(README, titles[k]))) for k in context}
    now = {record_print(s.model_dump(mode="json")) for s in window.sightings}
    return window if kept <= now else None


def _same_row_findings(window: Window, base: list[tuple[str, int]], moved: LineMap) -> bool:
    """Whether the window finds the rows' structure as the base found it there (an empty row the
    base had too), so it read its rows as the whole table does."""
    found = {(f.code, f.line) for f in window.findings if f.code in ROW_CODES}
    had = {(code, moved.line(README, line)) for code, line in base if window.old_first <= line <= window.old_last}
    return found == had


def _shift(moved: LineMap, line: int) -> int:
    """How far the base's `line` (outside every hunk) moved."""
    return moved.line(README, line) - line


def _old(moved: LineMap, anchor: int, line: int) -> int:
    """The base's line of `line` (now), which lies with the base's `anchor` between the same hunks."""
    return line - _shift(moved, anchor)


def _header_end(lines: Sequence[str], first: int) -> int | None:
    """The line closing the table header row of the section starting at `first` (1-based)."""
    opened = False
    for k in range(first - 1, min(first + 200, len(lines))):
        low = lines[k].lower()
        opened = opened or "<tr" in low
        if opened and "</tr>" in low:
            return k + 1
    return None


def _row_start(lines: Sequence[str], line: int) -> int | None:
    """The line of the `<tr` that opens the row holding `line` (1-based), looking up from it."""
    for k in range(line - 1, max(line - 50, 0) - 1, -1):
        if "<tr" in lines[k].lower():
            return k + 1
    return None
