"""Where each README section stands in one version of the file, by its content key (the parse
cache's key): a section whose text did not change moved as a whole (ingest/moves.py), and `check
--base` finds the base's records of a line by it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field


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
