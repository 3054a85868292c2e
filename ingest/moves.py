"""Where the lines of the list's files went between two builds, so an incremental build can shift the
papers that only moved (a row added above them) instead of rewriting them.

The parse cache holds each README section's and bib file's records at lines relative to the chunk.
A section whose text did not change moved as a whole; inside a section or bib file that changed, the
records of both versions are matched by content (`record_print`: what a record says, without where)
in order (difflib), and each matched record carries the lines up to the next record along with it.
Matched records are exactly the records the change left alone, so a line of them maps to its new
place; a line of a record the change added, edited or removed maps nowhere.

A move is `(file, first, last, delta)`: lines `first`..`last` of `file` (old numbering) are now
`delta` lines further down. Moves are sorted and merged, so a row added at the top of the README is
one move from that row down to the end of the file.
"""

from __future__ import annotations

import bisect
import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any

from headkg.ingest.cache import record_lines
from headkg.ingest.readme import README
from headkg.ingest.sections import SectionMap

Move = tuple[str, int, int, int]  # (file, first old line, last old line, delta)
END_OF_FILE = 10**9 - 1  # the last line of a chunk that runs to the end of its file (no line is past it)


def fingerprint_data(data: dict[str, Any]) -> str:
    """A record's content wherever it stands, from its JSON data (a parse-cache entry's): the same row
    moved down by a new row (or re-indented) has the same content. Empty values count as absent, as
    the cache leaves default values out (a record dumped whole prints the same)."""
    content = {k: v for k, v in data.items() if k not in ("source", "layout")}  # markup is no content
    content["heads"] = [{k: v for k, v in h.items() if k != "source"} for h in data.get("heads", [])]
    return json.dumps(_without_empty(content), sort_keys=True, ensure_ascii=False, default=str)


def _without_empty(value: Any) -> Any:
    """JSON data without the empty values (None, "", [], {}, false) of its objects, at any depth."""
    if isinstance(value, dict):
        return {
            k: _without_empty(v)
            for k, v in value.items()
            if v is not None and v != "" and v != [] and v != {} and v is not False
        }
    if isinstance(value, list):
        return [_without_empty(v) for v in value]
    return value


def record_print(data: dict[str, Any]) -> str:
    """`fingerprint_data` and where the record's head badges sit relative to its first line: two
    records with equal prints carry their provenance lines alike when they move."""
    start = data["source"]["line"]
    offsets = [h["source"]["line"] - start for h in data.get("heads", [])]
    text = f"{fingerprint_data(data)}\0{offsets}"
    return hashlib.blake2b(text.encode("utf-8", errors="surrogatepass"), digest_size=16).hexdigest()


def record_at(data: dict[str, Any], line: int) -> dict[str, Any]:
    """A cached record's JSON data (lines relative to its chunk) with its lines made the file's, the
    record standing at `line`."""
    shift = line - data["source"]["line"]
    heads = [{**h, "source": {**h["source"], "line": h["source"]["line"] + shift}} for h in data.get("heads", [])]
    return {**data, "source": {**data["source"], "line": line}, "heads": heads}


@dataclass
class _Chunk:
    """A parsed chunk of a file as one build saw it: its place and its records' (line, print)."""

    first: int
    last: int
    records: list[tuple[int, str]] = field(default_factory=list)


def _chunk(payload: str | None, first: int, last: int) -> _Chunk:
    """A cached chunk's records at file lines (the cache keeps them relative to the chunk)."""
    chunk = _Chunk(first, last)
    if payload:
        for data in json.loads(payload).get("sightings", []):
            chunk.records.append((data["source"]["line"] + first - 1, record_print(data)))
        chunk.records.sort()
    return chunk


def _matched(file: str, old: list[_Chunk], new: list[_Chunk]) -> list[Move]:
    """Moves of the records the two versions share (matched in order by content)."""
    old_records = [(line, chunk.last, p) for chunk in old for line, p in chunk.records]
    new_records = [(line, p) for chunk in new for line, p in chunk.records]
    ends = [
        old_records[k + 1][0] - 1 if k + 1 < len(old_records) and old_records[k + 1][1] == last else last
        for k, (_, last, _) in enumerate(old_records)
    ]
    matcher = SequenceMatcher(None, [p for _, _, p in old_records], [p for _, p in new_records], autojunk=False)
    moves = []
    for i, j, size in matcher.get_matching_blocks():
        for k in range(size):
            line, delta = old_records[i + k][0], new_records[j + k][0] - old_records[i + k][0]
            moves.append((file, line, ends[i + k], delta))
    return moves


def readme_moves(old: SectionMap, new: SectionMap, payloads: Callable[[str], str | None]) -> list[Move]:
    """The README's moves: sections that kept their text move whole; the records of the sections that
    changed are matched across them (`payloads` gives a section's cached entry by key)."""
    moves: list[Move] = []
    for key, (first, last) in old.spans.items():
        if key in new.spans:
            moves.append((README, first, last, new.spans[key][0] - first))
    gone = sorted((span, key) for key, span in old.spans.items() if key not in new.spans)
    came = sorted((span, key) for key, span in new.spans.items() if key not in old.spans)
    if gone and came and _lines_of(gone, payloads) != _lines_of(came, payloads):
        last_line = max(last for _, last in old.spans.values())
        old_chunks = [_chunk(payloads(key), a, END_OF_FILE if b == last_line else b) for (a, b), key in gone]
        new_chunks = [_chunk(payloads(key), a, b) for (a, b), key in came]
        moves += _matched(README, old_chunks, new_chunks)
    return merged(moves)


def file_moves(
    file: str, old_key: str | None, new_key: str | None, payloads: Callable[[str], str | None]
) -> list[Move]:
    """The moves of a whole file parsed as one chunk (a bib file): none when it did not change."""
    if old_key is None or new_key is None or old_key == new_key:
        return []
    if _lines_of([((1, 1), old_key)], payloads) == _lines_of([((1, 1), new_key)], payloads):
        return []  # every record kept its line (an edit inside one): nothing moved
    return _matched(file, [_chunk(payloads(old_key), 1, END_OF_FILE)], [_chunk(payloads(new_key), 1, END_OF_FILE)])


def _lines_of(chunks: list[tuple[tuple[int, int], str]], payloads: Callable[[str], str | None]) -> list[int]:
    """The file lines of the records of some cached chunks ((first, last), key), read cheaply: when
    they are the same in both versions, no record moved."""
    out: list[int] = []
    for (first, _), key in chunks:
        payload = payloads(key)
        out += sorted(line + first - 1 for line in record_lines(payload)) if payload else []
    return out


def merged(moves: Iterable[Move]) -> list[Move]:
    """Moves sorted, without those of no distance, neighbours of the same distance made one."""
    out: list[Move] = []
    for file, first, last, delta in sorted(m for m in moves if m[3] != 0):
        if out and out[-1][0] == file and out[-1][3] == delta and out[-1][2] + 1 >= first:
            out[-1] = (file, out[-1][1], max(out[-1][2], last), delta)
        else:
            out.append((file, first, last, delta))
    return out


class LineMap:
    """Old (file, line) -> new line: moved by the move that holds it, else unchanged."""

    def __init__(self, moves: Iterable[Move]) -> None:
        self._by_file: dict[str, tuple[list[int], list[Move]]] = {}
        for move in sorted(moves):
            firsts, held = self._by_file.setdefault(move[0], ([], []))
            firsts.append(move[1])
            held.append(move)

    def __bool__(self) -> bool:
        return bool(self._by_file)

    @property
    def moves(self) -> list[Move]:
        return [move for _, held in self._by_file.values() for move in held]

    def line(self, file: str, line: int) -> int:
        found = self._by_file.get(file)
        if found is None:
            return line
        firsts, held = found
        index = bisect.bisect_right(firsts, line) - 1
        if index >= 0 and line <= held[index][2]:
            return line + held[index][3]
        return line

    def source(self, source: str) -> str:
        """A "file:line" text moved."""
        file, _, line = source.rpartition(":")
        if not line.isdigit() or file not in self._by_file:
            return source
        return f"{file}:{self.line(file, int(line))}"
