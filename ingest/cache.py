"""Reusing parse results of unchanged input: a README section or a bib file whose text (and
parser) did not change parses to the same sightings, so an incremental build skips it.

Entries are keyed by a hash of the parser's name, its version, the file's path and the text;
lines are stored relative to the chunk, so a section that only moved down the file is reused.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, BrokenExecutor, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import msgspec
from pydantic import BaseModel, Field

from headkg.ingest.fingerprint import PARSER_VERSION
from headkg.ingest.sections import SectionMap
from headkg.schema.findings import Finding, Findings
from headkg.schema.provenance import Provenance
from headkg.schema.sightings import PaperSighting

# Below this much text to parse, starting worker processes costs more than it saves.
PARALLEL_MIN_CHARS = 2_000_000

ParseFn = Callable[[Findings], list[PaperSighting]]
FrameFn = Callable[[list[PaperSighting]], list[str]]


class _Entry(BaseModel):
    sightings: list[PaperSighting] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    # A README section's text around its rows (one more piece than rows with a layout): with the
    # sightings, the section itself (`headkg render`).
    frame: list[str] | None = None


def moved_sighting(sighting: PaperSighting, by: int) -> PaperSighting:
    """The sighting with its lines (and its head mentions') moved by `by`, in place (cheap: nothing
    validated again)."""
    if by:
        sighting.source = Provenance.model_construct(file=sighting.source.file, line=sighting.source.line + by)
        for head in sighting.heads:
            head.source = Provenance.model_construct(file=head.source.file, line=head.source.line + by)
    return sighting


def _moved(entry: _Entry, by: int) -> _Entry:
    """The validated entry with every line moved by `by` (cheap: no re-validation of the sightings)."""
    if by:
        for sighting in entry.sightings:
            moved_sighting(sighting, by)
        entry.findings = [f.model_copy(update={"line": f.line + by}) if f.line else f for f in entry.findings]
    return entry


def _payload(entry: _Entry, first_line: int) -> str:
    """The entry as the cache keeps it: JSON without default values (smaller, read back faster), lines
    relative to the chunk (the entry is left as it was)."""
    payload = _moved(entry, 1 - first_line).model_dump_json(exclude_defaults=True)
    _moved(entry, first_line - 1)
    return payload


def _parse_to_payload(parse: ParseFn, frame_of: FrameFn | None, first_line: int) -> str:
    """A worker process's job: parse one chunk, hand its entry back as the cache keeps it."""
    local = Findings()
    sightings = parse(local)
    entry = _Entry(sightings=sightings, findings=list(local), frame=frame_of(sightings) if frame_of else None)
    return _moved(entry, 1 - first_line).model_dump_json(exclude_defaults=True)  # thrown away: no shift back


def _worker_start() -> None:
    """A worker leaves Ctrl-C to the build that started it (which stops handing out work)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@dataclass(frozen=True)
class Chunk:
    """A unit of input to parse (a README section, a bib file), as a worker process can be handed it:
    `parse` and `frame_of` are picklable (partials of module-level functions)."""

    key: str
    first_line: int
    parse: ParseFn
    frame_of: FrameFn | None = None
    size: int = 0  # characters, to start the longest first


def parse_workers() -> int:
    """The processes a parse may use: the CPUs this process may run on."""
    cpus = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    return len(cpus) if cpus else os.cpu_count() or 1


class ParseCache:
    """Entries loaded from the store; `used` collects what this build needs to keep (unless
    `keep` is False: a check keeps nothing). With `shed_layouts`, the sightings handed out carry no
    row layout: a build resolves papers without them, and `render` reads them from the entries.

    Within `parallel()`, `prefetch` hands the chunks the cache lacks to worker processes; `parse`
    then takes each one's result as it would take a stored entry, in the caller's order, so the
    sightings and findings are the same, in the same order, as parsed one by one."""

    def __init__(
        self, stored: Mapping[str, str] | None = None, *, keep: bool = True, shed_layouts: bool = False
    ) -> None:
        self._stored = dict(stored or {})
        self._keep = keep
        self._shed_layouts = shed_layouts  # hand out sightings without their row layouts (kept in the entries)
        self._pool: ProcessPoolExecutor | None = None
        self._pending: dict[str, Future[str]] = {}
        self._read_ahead: dict[str, tuple[str, _Entry]] = {}  # finished by a worker, read before their turn
        self.used: dict[str, str] = {}
        self.hits = 0
        self.misses = 0
        self.sections = SectionMap()  # where this build found each README section
        self.files: dict[str, str] = {}  # each file parsed whole (a bib file) -> its entry's key
        self.readme_newline = "\n"  # the README's line end ("\r\n" in a Windows file): `render` writes it
        self.readme_bom = False  # whether the README starts with a UTF-8 byte order mark

    @staticmethod
    def key(kind: str, rel: str, text: str, extra: str = "") -> str:
        digest = hashlib.sha256(f"{kind}\0{PARSER_VERSION}\0{rel}\0{extra}\0".encode())
        digest.update(text.encode("utf-8", errors="surrogatepass"))
        return digest.hexdigest()

    def parse(
        self,
        key: str,
        first_line: int,
        parse: Callable[[Findings], list[PaperSighting]],
        findings: Findings,
        frame_of: Callable[[list[PaperSighting]], list[str]] | None = None,
    ) -> list[PaperSighting]:
        """Sightings of one chunk starting at `first_line` (1-based): from the cache, or parsed (and,
        with `frame_of`, the chunk's text around its rows kept with them)."""
        payload = self._stored.get(key) or self.used.get(key)
        if payload is not None:
            self.hits += 1
            entry = _moved(_Entry.model_validate_json(payload), first_line - 1)
        elif (done := self._worker_result(key)) is not None:
            self.misses += 1
            payload, entry = done[0], _moved(done[1], first_line - 1)
        else:
            self.misses += 1
            local = Findings()
            sightings = parse(local)
            entry = _Entry(sightings=sightings, findings=list(local), frame=frame_of(sightings) if frame_of else None)
            payload = _payload(entry, first_line) if self._keep else ""
        if self._keep or payload:
            self.used[key] = payload
        findings.extend(entry.findings)
        if self._shed_layouts:
            for sighting in entry.sightings:
                sighting.layout = None
        return entry.sightings

    def _worker_result(self, key: str) -> tuple[str, _Entry] | None:
        """The entry a worker process parsed for `key` (and its payload); None when none did, or its
        process died (killed, out of memory): the chunk is then parsed here.

        While it waits, the entries other workers have finished are read (validated) ahead of their
        turn, so little is left to read when the last one comes in."""
        pending = self._pending.pop(key, None)
        if pending is None:
            return self._read_ahead.pop(key, None)
        try:
            while not pending.done():
                if not self._read_one_ahead():
                    running = [f for f in self._pending.values() if not f.done()]
                    wait([pending, *running], return_when=FIRST_COMPLETED)
            payload = pending.result()
        except BrokenExecutor:
            return None
        return payload, _Entry.model_validate_json(payload)

    def _read_one_ahead(self) -> bool:
        """Read one entry a worker finished well (one that failed is left to raise in its turn)."""
        key = next((k for k, f in self._pending.items() if f.done() and f.exception() is None), None)
        if key is None:
            return False
        payload = self._pending.pop(key).result()
        self._read_ahead[key] = (payload, _Entry.model_validate_json(payload))
        return True

    @contextmanager
    def parallel(self, workers: int | None = None, size: int = PARALLEL_MIN_CHARS) -> Iterator[None]:
        """Let `prefetch` use up to `workers` processes (default: `parse_workers()`) until the block
        ends, when the input is `size` characters or more (less costs more to hand out than to parse).

        Enter it before reading the input: the workers start at once, holding only what this process
        holds then (fork copies it; elsewhere they import headkg)."""
        workers = parse_workers() if workers is None else workers
        if workers < 2 or size < PARALLEL_MIN_CHARS or self._pool is not None:
            yield
            return
        context = multiprocessing.get_context("fork" if sys.platform == "linux" else None)
        self._pool = pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_worker_start)
        try:
            try:
                pool.submit(int).result()  # start the workers now, while this process is small
            except BrokenExecutor:
                self._pool = None  # no process could start: everything is parsed here
            yield
        finally:
            self._pool = None
            self._pending.clear()
            self._read_ahead.clear()
            pool.shutdown(wait=True, cancel_futures=True)

    def prefetch(self, chunks: Iterable[Chunk]) -> None:
        """Start parsing, in worker processes, the chunks whose entries the cache lacks (longest first),
        when there are several; `parse` collects them."""
        if self._pool is None:
            return
        todo = {c.key: c for c in chunks if c.size and c.key not in self._stored and c.key not in self.used}
        todo = {k: c for k, c in todo.items() if k not in self._pending and k not in self._read_ahead}
        if len(todo) < 2:
            return
        for chunk in sorted(todo.values(), key=lambda c: -c.size):
            self._pending[chunk.key] = self._pool.submit(
                _parse_to_payload, chunk.parse, chunk.frame_of, chunk.first_line
            )

    def keep(self, key: str, payload: str) -> None:
        """Keep with this build's entries one derived from the whole parse (the resolution index)."""
        if self._keep:
            self.used[key] = payload

    def payload(self, key: str) -> str | None:
        """An entry as JSON text, from this build or the store (for comparing two versions of a chunk)."""
        return self.used.get(key) or self._stored.get(key)


class _Line(msgspec.Struct):
    line: int


class _Placed(msgspec.Struct):
    source: _Line


class _Lines(msgspec.Struct):
    sightings: list[_Placed] = msgspec.field(default_factory=list)  # left out of an entry without any


class _Raw(msgspec.Struct):
    sightings: list[msgspec.Raw] = msgspec.field(default_factory=list)


def record_lines(payload: str) -> list[int]:
    """The chunk-relative line of each record of a cache entry, decoding nothing else (a README
    section holds thousands of records)."""
    return [placed.source.line for placed in msgspec.json.decode(payload, type=_Lines).sightings]


def records_at(payload: str, indexes: Iterable[int]) -> list[dict[str, Any]]:
    """Some records of a cache entry (by index), as JSON data; only those are decoded."""
    raw = msgspec.json.decode(payload, type=_Raw).sightings
    return [json.loads(bytes(raw[k])) for k in indexes]


def cached_section(payload: str) -> tuple[list[str] | None, list[PaperSighting]]:
    """A README section kept by a build: the text around its rows (None if the entry has none) and
    its sightings, at lines relative to the section (`headkg render` needs no more)."""
    entry = _Entry.model_validate_json(payload)
    return entry.frame, entry.sightings


def bib_file_keys(text: str | None) -> dict[str, str]:
    """`ParseCache.files` as a build keeps it in the store's meta (`bib_files`): each bib file's entry
    key; empty when missing or unreadable."""
    try:
        found = json.loads(text or "{}")
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def section_text_key(key: str) -> str:
    """Where a build keeps a README section's or bib file's text beside its entry (`key`): the next
    build's one-edit path compares it with the new text. A hash, as every key (the column holds 64 characters)."""
    return hashlib.sha256(f"section text\0{key}".encode()).hexdigest()


class _Shape(msgspec.Struct):
    """What a section's row is, read without the rest of it."""

    kind: str
    source: _Line
    layout: msgspec.Raw = msgspec.Raw(b"null")  # left out of the JSON when there is none


class _Shapes(msgspec.Struct):
    sightings: list[_Shape] = msgspec.field(default_factory=list)


class _RawEntry(msgspec.Struct, omit_defaults=True):
    """An entry as its JSON text holds it (the fields of `_Entry`, in its order, defaults left out)."""

    sightings: list[msgspec.Raw] = msgspec.field(default_factory=list)
    findings: list[msgspec.Raw] = msgspec.field(default_factory=list)
    frame: list[str] | None = None


class SectionEntry:
    """A README section's or bib file's cache entry read without validating its thousands of rows:
    their lines and
    whether each has a layout; the few rows and findings asked for as records; and the entry with some
    rows replaced and the rest moved, written as `_Entry` writes it."""

    def __init__(self, payload: str) -> None:
        self._raw = msgspec.json.decode(payload, type=_RawEntry)
        shapes = msgspec.json.decode(payload, type=_Shapes).sightings
        self.frame = self._raw.frame
        self.lines = [shape.source.line for shape in shapes]  # relative to the section
        self.laid_out = [shape.kind == "readme" and bytes(shape.layout) != b"null" for shape in shapes]
        self.findings = [Finding.model_validate_json(bytes(raw)) for raw in self._raw.findings]

    def rows(self, start: int, end: int) -> list[PaperSighting]:
        return [PaperSighting.model_validate_json(bytes(raw)) for raw in self._raw.sightings[start:end]]

    def replaced(
        self,
        start: int,
        end: int,
        rows: list[PaperSighting],
        by: int,
        frame: list[str] | None,
        findings: list[Finding],
    ) -> str:
        """The entry with rows `start`..`end` replaced by `rows` (lines relative to the section), the
        rows after them moved by `by` lines, and the new frame and findings."""
        placed = [msgspec.Raw(row.model_dump_json(exclude_defaults=True).encode()) for row in rows]
        after = [_moved_raw(raw, by) for raw in self._raw.sightings[end:]] if by else self._raw.sightings[end:]
        entry = _RawEntry(
            [*self._raw.sightings[:start], *placed, *after],
            [msgspec.Raw(f.model_dump_json(exclude_defaults=True).encode()) for f in findings],
            frame,
        )
        return msgspec.json.encode(entry).decode()


def _moved_raw(raw: msgspec.Raw, by: int) -> msgspec.Raw:
    """A row's JSON with its lines moved (its fields in their order)."""
    data = msgspec.json.decode(raw)
    data["source"]["line"] += by
    for head in data.get("heads", ()):
        head["source"]["line"] += by
    return msgspec.Raw(msgspec.json.encode(data))
