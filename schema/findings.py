"""A problem found in the input, reported as a value (never a traceback) so a build can go on."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

# "notice": a finding `check --base` lists but does not blame the change for (it was there before).
Severity = Literal["error", "warning", "notice"]


class Finding(BaseModel):
    """One problem with its place in the source and what the maintainer can do about it."""

    severity: Severity = "warning"
    file: str
    line: int | None = None
    message: str
    hint: str = ""
    code: str = ""  # a stable kind, e.g. "head.unknown", "paper.duplicate": `check` grades by it
    # What the finding is about, independent of its line (a row's title, a bib key, a pair of
    # them): how `check --base` tells a finding the change brought from one that moved with it.
    subject: str = ""

    def location(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file

    def __str__(self) -> str:
        text = f"{self.location()}: {self.severity}: {self.message}"
        return f"{text} ({self.hint})" if self.hint else text


class CheckedFinding(Finding):
    """A finding as `headkg check` reports it: whether `check --fix` can repair it, and (with
    `--base`) whether the change brought it (`new`) or it was there before (`new` False)."""

    fixable: bool = False
    new: bool | None = None


class Findings(list[Finding]):
    """A list of findings with helpers to add one in a single call."""

    def warn(
        self, file: str, line: int | None, message: str, hint: str = "", code: str = "", subject: str = ""
    ) -> None:
        self.append(
            Finding(severity="warning", file=file, line=line, message=message, hint=hint, code=code, subject=subject)
        )

    def error(
        self, file: str, line: int | None, message: str, hint: str = "", code: str = "", subject: str = ""
    ) -> None:
        self.append(
            Finding(severity="error", file=file, line=line, message=message, hint=hint, code=code, subject=subject)
        )
