"""`headkg check`."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from headkg.api.console import echo, reported_errors
from headkg.api.findings_format import as_github, as_json, as_text
from headkg.ingest.check import check_list, has_errors
from headkg.schema.exceptions import SourceError

CURRENT_FOLDER = Path(".")


class CheckFormat(StrEnum):
    text = "text"
    github = "github"
    json = "json"


def check(
    path: Annotated[Path, typer.Argument(help="A checkout of the list.")] = CURRENT_FOLDER,
    output: Annotated[
        CheckFormat, typer.Option("--format", help="text, github (Actions annotations) or json.")
    ] = CheckFormat.text,
) -> None:
    """Validate a checkout of the list strictly, as CI does on a pull request (exit 1 on any error)."""
    with reported_errors():
        if not path.is_dir():
            raise SourceError(f"{path}: no such folder; pass a checkout of the list")
        findings = check_list(path.resolve())
        render = {CheckFormat.text: as_text, CheckFormat.github: as_github, CheckFormat.json: as_json}[output]
        text = render(findings)
        if text:
            echo(text)
        if has_errors(findings):
            raise typer.Exit(1)
