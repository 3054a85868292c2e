"""A problem found in the input, reported as a value (never a traceback) so a build can go on."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

Severity = Literal["error", "warning"]


class Finding(BaseModel):
    """One problem with its place in the source and what the maintainer can do about it."""

    severity: Severity = "warning"
    file: str
    line: int | None = None
    message: str
    hint: str = ""
    code: str = ""  # a stable kind, e.g. "head.unknown", "paper.duplicate": `check` grades by it

    def location(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file

    def __str__(self) -> str:
        text = f"{self.location()}: {self.severity}: {self.message}"
        return f"{text} ({self.hint})" if self.hint else text


class Findings(list[Finding]):
    """A list of findings with helpers to add one in a single call."""

    def warn(self, file: str, line: int | None, message: str, hint: str = "", code: str = "") -> None:
        self.append(Finding(severity="warning", file=file, line=line, message=message, hint=hint, code=code))

    def error(self, file: str, line: int | None, message: str, hint: str = "", code: str = "") -> None:
        self.append(Finding(severity="error", file=file, line=line, message=message, hint=hint, code=code))
