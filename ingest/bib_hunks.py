"""Re-reading only the bib entries a change touched (`check --base` with a store of the base).

As for README rows (readme_hunks.py): git gives the changed lines; the entries they touch, one more
on either side, are parsed alone at their lines in the file. The window stands for the whole file
only when its untouched edge entries read as the store cached them, nothing in it fails to parse,
no key of it is defined elsewhere in the same file, and neither version of the file has `@string`
or `@preamble` (a macro defined outside the window would read differently). Otherwise the caller
parses the whole file, as before.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from headkg.ingest.bibtex import parse_bib_text
from headkg.ingest.cache import record_lines, records_at
from headkg.ingest.moves import END_OF_FILE, record_at, record_print
from headkg.ingest.readme_hunks import Hunk, Window, line_map
from headkg.schema.provenance import Provenance

_MACROS = re.compile(rb"@\s*(string|preamble)\b", re.IGNORECASE)
FAILED_CODES = frozenset({"bib.syntax", "bib.encoding", "bib.decode"})


def read_bib_window(
    rel: str,
    data: bytes,
    base_data: bytes,
    hunks: list[Hunk],
    payload: str,
    key_sources: Callable[[list[str]], dict[str, list[Provenance]]],
) -> Window | None:
    """The window over the hunks of one bib file, parsed; None when it cannot stand for the file."""
    if not hunks or b"\r" in data or _MACROS.search(data) or _MACROS.search(base_data):
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    starts = record_lines(payload)
    order = sorted(range(len(starts)), key=starts.__getitem__)
    lines = [starts[k] for k in order]
    low, high = min(h.old_first for h in hunks) - 1, max(h.old_last for h in hunks) + 1
    if not lines or low < lines[0]:
        return None  # the change reaches the text before the first entry
    touched = [k for k in range(len(lines)) if lines[k] <= high and _end(lines, k) >= low]
    lo, hi = max(touched[0] - 1, 0), min(touched[-1] + 1, len(lines) - 1)
    moved = line_map(hunks, rel)
    old_last = _end(lines, hi)
    start = moved.line(rel, lines[lo])
    new_lines = text.split("\n")
    end = moved.line(rel, lines[hi + 1]) - 1 if hi + 1 < len(lines) else len(new_lines)
    window = Window(lines[lo], old_last, before=records_at(payload, order[lo : hi + 1]))
    padded = "\n" * (start - 1) + "\n".join(new_lines[start - 1 : end]) + "\n"
    window.sightings = parse_bib_text(padded.encode("utf-8"), rel, window.findings)
    if any(f.code in FAILED_CODES for f in window.findings):
        return None
    context = [k for k in (touched[0] - 1, touched[-1] + 1) if 0 <= k < len(lines) and k not in touched]
    kept = {record_print(record_at(window.before[k - lo], moved.line(rel, lines[k]))) for k in context}
    if not kept <= {record_print(s.model_dump(mode="json")) for s in window.sightings}:
        return None
    keys = [s.bib_key.casefold() for s in window.sightings if s.bib_key]
    for places in key_sources(keys).values():
        if any(p.file == rel and not window.old_first <= p.line <= window.old_last for p in places):
            return None  # a key of the window is defined elsewhere in the file too: the whole file tells
    return window


def _end(lines: list[int], k: int) -> int:
    """The last base line of the `k`-th entry (up to the next entry's `@`)."""
    return lines[k + 1] - 1 if k + 1 < len(lines) else END_OF_FILE
