"""Where each README section stands in one version of the file, so an incremental build can tell
a paper that only moved down (a row was added above it) from a paper that changed.

A section is identified by its content key (the parse cache's key); a line inside it is
anchored as "README.md#<key>+<offset>", which stays the same when the section moves.
"""

from __future__ import annotations

import bisect
import json
from dataclasses import dataclass, field

from headkg.ingest.readme import README


@dataclass
class SectionMap:
    spans: dict[str, tuple[int, int]] = field(default_factory=dict)  # key -> (first line, last line)

    def place(self, key: str, first: int, last: int) -> None:
        self.spans[key] = (first, last)

    def to_json(self) -> str:
        return json.dumps({k: list(v) for k, v in sorted(self.spans.items())})

    @classmethod
    def from_json(cls, text: str | None) -> SectionMap:
        if not text:
            return cls()
        try:
            return cls({k: (int(v[0]), int(v[1])) for k, v in json.loads(text).items()})
        except (ValueError, TypeError, IndexError, AttributeError):
            return cls()

    def anchor(self, file: str, line: int) -> str:
        """A location that survives the section moving: "README.md#<key>+<offset>" or "file:line"."""
        if file == README and self.spans:
            starts = self._starts()
            index = bisect.bisect_right(self._firsts, line) - 1
            if index >= 0:
                first, last, key = starts[index]
                if first <= line <= last:
                    return f"{file}#{key[:16]}+{line - first}"
        return f"{file}:{line}"

    def _starts(self) -> list[tuple[int, int, str]]:
        cached = getattr(self, "_sorted", None)
        if cached is None or len(cached) != len(self.spans):
            cached = sorted((first, last, key) for key, (first, last) in self.spans.items())
            self._sorted = cached
            self._firsts = [first for first, _, _ in cached]
        return cached


def shifts(old: SectionMap, new: SectionMap) -> list[tuple[int, int, int]]:
    """(first, last, delta) of each old section that is still there but moved by `delta` lines."""
    moved = []
    for key, (first, last) in old.spans.items():
        if key in new.spans and new.spans[key][0] != first:
            moved.append((first, last, new.spans[key][0] - first))
    return sorted(moved)
