"""Where a fact came from: a file of the list's checkout and a 1-based line."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Provenance(BaseModel):
    """A source location; `file` is relative to the checkout root, `line` is 1-based."""

    model_config = ConfigDict(frozen=True)

    file: str
    line: int

    def __str__(self) -> str:
        return self.text(self.file, self.line)

    @staticmethod
    def text(file: str, line: int) -> str:
        """The "file:line" text of `str`, without making a Provenance (for rows read by the thousand)."""
        return f"{file}:{line}"

    @classmethod
    def parse(cls, text: str) -> Provenance:
        """The inverse of `str`: "source/bib/AttnHead.bib:12" -> file "source/bib/AttnHead.bib", line 12.

        Text without a line number is a whole file, line 0.
        """
        file, _, line = text.rpartition(":")
        return cls(file=file, line=int(line)) if file and line.isdigit() else cls(file=text, line=0)

    def sort_key(self) -> tuple[str, int]:
        return (self.file, self.line)
