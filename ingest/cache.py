"""Reusing parse results of unchanged input: a README section or a bib file whose text (and
parser) did not change parses to the same sightings, so an incremental build skips it.

Entries are keyed by a hash of the parser's name, its version, the file's path and the text;
lines are stored relative to the chunk, so a section that only moved down the file is reused.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import msgspec
from pydantic import BaseModel, Field

from headkg.ingest.sections import SectionMap
from headkg.schema.findings import Finding, Findings
from headkg.schema.provenance import Provenance
from headkg.schema.sightings import PaperSighting

PARSER_VERSION = "3"  # bump when a parser's output for the same text changes


class _Entry(BaseModel):
    sightings: list[PaperSighting] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    # A README section's text around its rows (one more piece than rows with a layout): with the
    # sightings, the section itself (`headkg render`).
    frame: list[str] | None = None


def _shift(entry: dict[str, Any], by: int) -> dict[str, Any]:
    """The entry (as plain JSON data) with every line moved by `by`: chunk-relative <-> file lines."""
    if by:
        for sighting in entry["sightings"]:
            sighting["source"]["line"] += by
            for head in sighting["heads"]:
                head["source"]["line"] += by
        for finding in entry["findings"]:
            if finding.get("line"):
                finding["line"] += by
    return entry


def _moved(entry: _Entry, by: int) -> _Entry:
    """The validated entry with every line moved by `by` (cheap: no re-validation of the sightings)."""
    if by:
        for sighting in entry.sightings:
            sighting.source = Provenance.model_construct(file=sighting.source.file, line=sighting.source.line + by)
            for head in sighting.heads:
                head.source = Provenance.model_construct(file=head.source.file, line=head.source.line + by)
        entry.findings = [f.model_copy(update={"line": f.line + by}) if f.line else f for f in entry.findings]
    return entry


class ParseCache:
    """Entries loaded from the store; `used` collects what this build needs to keep."""

    def __init__(self, stored: Mapping[str, str] | None = None) -> None:
        self._stored = dict(stored or {})
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
        else:
            self.misses += 1
            local = Findings()
            sightings = parse(local)
            entry = _Entry(sightings=sightings, findings=list(local), frame=frame_of(sightings) if frame_of else None)
            payload = json.dumps(_shift(entry.model_dump(mode="json"), 1 - first_line), ensure_ascii=False)
        self.used[key] = payload
        findings.extend(entry.findings)
        return entry.sightings

    def payload(self, key: str) -> str | None:
        """An entry as JSON text, from this build or the store (for comparing two versions of a chunk)."""
        return self.used.get(key) or self._stored.get(key)


class _Line(msgspec.Struct):
    line: int


class _Placed(msgspec.Struct):
    source: _Line


class _Lines(msgspec.Struct):
    sightings: list[_Placed]


class _Raw(msgspec.Struct):
    sightings: list[msgspec.Raw]


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
