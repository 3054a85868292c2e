"""An edit of the README or of one bib file read as the few records it touched: the incremental
build of a one-paper change.

A build keeps each README section's parse (sightings, findings and the text around its rows) in the
parse cache, keyed by the section's text, and the text itself beside it. When exactly one section's
text changed, the changed lines are found by the common prefix and suffix of its old and new text,
and only a window of whole rows around them is parsed again (`readme_hunks.read_windows`, as `check
--base` does; the window's unchanged rows must read as the cache has them). The section's new entry
is the old one with the window's rows in place of the rows they cover and the rows below moved,
written without reading the other rows whole (`cache.SectionEntry`).

A bib file is kept with its text too; an edit of it is read by `bib_hunks.read_bib_window` (as
`check --base` reads one) and its entry spliced the same way (`bib_edit`).

Anything else (several sections changed, a heading or table header edited, a row without layout, a
finding in the window) gives None, and the caller parses the list as before.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from headkg.ingest import readme as readme_parser
from headkg.ingest.bib_hunks import read_bib_window
from headkg.ingest.cache import ParseCache, SectionEntry, moved_sighting, section_text_key
from headkg.ingest.moves import LineMap, record_print
from headkg.ingest.readme import README
from headkg.ingest.readme_hunks import Hunk, SectionLines, Window, line_map, read_windows
from headkg.ingest.sections import SectionMap
from headkg.schema.provenance import Provenance
from headkg.schema.sightings import PaperSighting

MAX_WINDOW_ROWS = 50  # a change touching more rows than this is read whole (it is no small edit)


@dataclass
class ListEdit:
    """What an edit of one file of the list changed (a README section's rows, or a bib file's entries):
    the records it removed and added (an edited one is both), where every other line of the file went,
    and the changed chunk's new parse-cache entry and text."""

    file: str
    removed: list[PaperSighting]  # the old rows, at their old lines
    added: list[PaperSighting]  # the new rows, at their new lines
    lines: LineMap  # old line -> new line, for every line outside the change
    old_first: int  # the old lines the rows read again stood on (what a finding there is about)
    old_last: int
    old_key: str  # the changed section's (or bib file's) entry, before and after
    new_key: str
    new_payload: str
    new_text: str  # the chunk's text now (kept beside its entry)
    sections: SectionMap  # every README section's key and place now


def readme_edit(
    text: str,
    today: dt.date,
    old_sections: SectionMap,
    payloads: Callable[[list[str]], dict[str, str]],
) -> ListEdit | None:
    """The edit that turned the README the store was built from into `text` (decoded as the parser
    decodes it), when it lies inside one section's rows; else None. `payloads` reads parse-cache
    entries by key."""
    found = readme_parser.sections(text)
    keys = [ParseCache.key("readme", README, chunk, today.isoformat()) for _, chunk in found]
    old = sorted(old_sections.spans.items(), key=lambda item: item[1])
    changed = [k for k, (key, _) in enumerate(old) if k >= len(keys) or key != keys[k]]
    if len(old) != len(keys) or len(changed) != 1:
        return None
    at = changed[0]
    old_key, (first, _) = old[at]
    new_first, chunk = found[at]
    stored = payloads([old_key, section_text_key(old_key)])
    payload, old_chunk = stored.get(old_key), stored.get(section_text_key(old_key))
    if new_first != first or payload is None or old_chunk is None or old_key in keys:
        return None
    if ParseCache.key("readme", README, old_chunk, today.isoformat()) != old_key:
        return None  # not the text the entry was parsed from
    entry = SectionEntry(payload)
    if entry.frame is None:
        return None
    new_lines = chunk.split("\n")
    hunk = _hunk(old_chunk.split("\n"), new_lines, first)
    if hunk is None:
        return None
    total = sum(part.count("\n") for _, part in found) + 1
    windows = read_windows(
        SectionLines(new_lines, first, total), [hunk], old_sections, payloads, today, [], layouts=True
    )
    if windows is None or len(windows) != 1 or windows[0].findings:
        return None
    window = windows[0]
    if any(f.line and window.old_first - first + 1 <= f.line <= window.old_last - first + 1 for f in entry.findings):
        return None
    moved = line_map([hunk])
    spliced = _splice(entry, window, moved, first, chunk)
    if spliced is None:
        return None
    new_payload, removed, added = spliced
    sections = SectionMap()
    for (line, part), key in zip(found, keys, strict=True):
        sections.place(key, line, line + max(len(part.splitlines()), 1) - 1)
    return ListEdit(
        file=README,
        removed=removed,
        added=added,
        lines=moved,
        old_first=window.old_first,
        old_last=window.old_last,
        old_key=old_key,
        new_key=keys[at],
        new_payload=new_payload,
        new_text=chunk,
        sections=sections,
    )


def _hunk(old: list[str], new: list[str], first: int) -> Hunk | None:
    """The one range of lines that differ (after the common prefix, before the common suffix), as file
    lines; None when nothing differs."""
    prefix = 0
    limit = min(len(old), len(new))
    while prefix < limit and old[prefix] == new[prefix]:
        prefix += 1
    if prefix == len(old) == len(new):
        return None
    suffix = 0
    while suffix < limit - prefix and old[-1 - suffix] == new[-1 - suffix]:
        suffix += 1
    offset = first + prefix
    return Hunk(offset, offset + len(old) - prefix - suffix - 1, offset, offset + len(new) - prefix - suffix - 1)


Spliced = tuple[str, list[PaperSighting], list[PaperSighting]]


def _splice(entry: SectionEntry, window: Window, moved: LineMap, first: int, chunk: str) -> Spliced | None:
    """The section's new entry, and the rows the edit removed and added (file lines, old and new):
    the window's rows in place of the old rows it covers, the rows below it moved. A row the window
    read as it was, where its line moved to, is neither removed nor added."""
    assert entry.frame is not None
    pad = first - 1
    low, high = window.old_first - pad, window.old_last - pad  # section-relative
    inside = [k for k, line in enumerate(entry.lines) if low <= line <= high]
    if not inside or not window.sightings or len(window.sightings) > MAX_WINDOW_ROWS:
        return None
    start, end = inside[0], inside[-1] + 1
    if inside != list(range(start, end)) or not all(entry.laid_out[start:end]):
        return None
    if any(s.layout is None or s.kind != "readme" for s in window.sightings):
        return None
    pieces = _pieces(window, first, chunk)
    if pieces is None:
        return None
    head, inner, tail = pieces
    laid_before, replaced = sum(entry.laid_out[:start]), end - start
    frame = entry.frame
    new_frame = [
        *frame[:laid_before],
        frame[laid_before] if start > 0 else head,
        *inner,
        frame[laid_before + replaced] if end < len(entry.lines) else tail,
        *frame[laid_before + replaced + 1 :],
    ]
    return _replaced(entry, (start, end), window, moved, README, pad, new_frame)


def _replaced(
    entry: SectionEntry,
    rows: tuple[int, int],
    window: Window,
    moved: LineMap,
    file: str,
    pad: int,
    frame: list[str] | None,
) -> Spliced:
    """The entry with its rows `rows` (start, end) replaced by the window's and the rows below moved,
    and the records the edit removed and added (file lines, old and new): a record the window read
    as it was, where its line moved to, is neither."""
    start, end = rows
    old = [moved_sighting(s, pad) for s in entry.rows(start, end)]  # file lines, as the window's
    now = {(_content(s), s.source.line) for s in window.sightings}
    stayed = {(_content(s), moved.line(file, s.source.line)) for s in old} & now
    removed = [s for s in old if (_content(s), moved.line(file, s.source.line)) not in stayed]
    added = [s for s in window.sightings if (_content(s), s.source.line) not in stayed]
    delta = moved.line(file, window.old_last + 1) - (window.old_last + 1)
    placed = [moved_sighting(s.model_copy(deep=True), -pad) for s in window.sightings]
    high = window.old_last - pad
    findings = [
        f.model_copy(update={"line": f.line + delta}) if f.line and f.line > high else f for f in entry.findings
    ]
    return entry.replaced(start, end, placed, delta, frame, findings), removed, added


def bib_edit(
    rel: str,
    data: bytes,
    old_key: str,
    sections: SectionMap,
    payloads: Callable[[list[str]], dict[str, str]],
    key_sources: Callable[[list[str]], dict[str, list[Provenance]]],
) -> ListEdit | None:
    """The edit that turned the bib file `rel` the store was built from (its entry `old_key`) into
    `data`, when a window of a few entries reads it (`bib_hunks.read_bib_window`); else None."""
    stored = payloads([old_key, section_text_key(old_key)])
    payload, old_text = stored.get(old_key), stored.get(section_text_key(old_key))
    if payload is None or old_text is None or ParseCache.key("bib", rel, old_text) != old_key:
        return None
    new_text = data.decode("latin-1")
    hunk = _hunk(old_text.split("\n"), new_text.split("\n"), 1)
    if hunk is None:
        return None
    window = read_bib_window(rel, data, old_text.encode("latin-1"), [hunk], payload, key_sources)
    if window is None or window.findings or not window.sightings or len(window.sightings) > MAX_WINDOW_ROWS:
        return None
    entry = SectionEntry(payload)
    if any(f.line and window.old_first <= f.line <= window.old_last for f in entry.findings):
        return None
    inside = [k for k, line in enumerate(entry.lines) if window.old_first <= line <= window.old_last]
    if not inside or inside != list(range(inside[0], inside[-1] + 1)):
        return None
    moved = line_map([hunk], rel)
    new_payload, removed, added = _replaced(entry, (inside[0], inside[-1] + 1), window, moved, rel, 0, None)
    return ListEdit(
        file=rel,
        removed=removed,
        added=added,
        lines=moved,
        old_first=window.old_first,
        old_last=window.old_last,
        old_key=old_key,
        new_key=ParseCache.key("bib", rel, new_text),
        new_payload=new_payload,
        new_text=new_text,
        sections=sections,
    )


def _content(sighting: PaperSighting) -> str:
    """What a row says, wherever it stands (ingest/moves.py's print)."""
    return record_print(sighting.model_dump(mode="json"))


def _pieces(window: Window, first: int, chunk: str) -> tuple[str, list[str], str] | None:
    """From the window's parse: the section's text before its first row, between its rows, and after
    its last row (the first and last only right when the window reaches the section's start or end)."""
    text = window.text
    spans = [(s.layout.start, s.layout.end) for s in window.sightings if s.layout is not None]
    if len(spans) != len(window.sightings):
        return None
    inner = [text[spans[k][1] : spans[k + 1][0]] for k in range(len(spans) - 1)]
    starts = _line_starts(chunk)
    head = chunk[: _section_offset(text, spans[0][0], first, starts)]
    tail = chunk[_section_offset(text, spans[-1][1], first, starts) :]
    return head, inner, tail


def _line_starts(chunk: str) -> list[int]:
    starts, at = [0], chunk.find("\n")
    while at >= 0:
        starts.append(at + 1)
        at = chunk.find("\n", at + 1)
    return starts


def _section_offset(text: str, offset: int, first: int, starts: list[int]) -> int:
    """An offset of the window's text as an offset of the section's (same line and column)."""
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1)
    return starts[line - first] + column
