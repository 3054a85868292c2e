"""Reusing parse results of unchanged input: a README section or a bib file whose text (and
parser) did not change parses to the same sightings, so an incremental build skips it.

Entries are keyed by a hash of the parser's name, its version, the file's path and the text;
lines are stored relative to the chunk, so a section that only moved down the file is reused.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping

from pydantic import BaseModel, Field

from schema.findings import Finding, Findings
from schema.provenance import Provenance
from schema.sightings import PaperSighting

PARSER_VERSION = "1"  # bump when a parser's output for the same text changes


class _Entry(BaseModel):
    sightings: list[PaperSighting] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)


def _shift(entry: _Entry, by: int) -> _Entry:
    """The entry with every line moved by `by` (chunk-relative <-> file lines)."""
    if by == 0:
        return entry

    def moved(p: Provenance) -> Provenance:
        return Provenance(file=p.file, line=p.line + by)

    sightings = [
        s.model_copy(
            update={
                "source": moved(s.source),
                "heads": [h.model_copy(update={"source": moved(h.source)}) for h in s.heads],
            }
        )
        for s in entry.sightings
    ]
    findings = [f.model_copy(update={"line": f.line + by}) if f.line else f for f in entry.findings]
    return _Entry(sightings=sightings, findings=findings)


class ParseCache:
    """Entries loaded from the store; `used` collects what this build needs to keep."""

    def __init__(self, stored: Mapping[str, str] | None = None) -> None:
        self._stored = dict(stored or {})
        self.used: dict[str, str] = {}
        self.hits = 0
        self.misses = 0

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
    ) -> list[PaperSighting]:
        """Sightings of one chunk starting at `first_line` (1-based): from the cache, or parsed."""
        payload = self._stored.get(key) or self.used.get(key)
        if payload is not None:
            self.hits += 1
            entry = _shift(_Entry.model_validate_json(payload), first_line - 1)
        else:
            self.misses += 1
            local = Findings()
            entry = _Entry(sightings=parse(local), findings=list(local))
            payload = _shift(entry, 1 - first_line).model_dump_json()
        self.used[key] = payload
        findings.extend(entry.findings)
        return entry.sightings
