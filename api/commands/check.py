"""`headkg check`."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from headkg.api.console import DbOption, reported_errors, store_for
from headkg.api.findings_format import as_github, as_json, as_text
from headkg.db.store import HeadKG
from headkg.ingest.check import has_errors
from headkg.schema.exceptions import InvalidRequestError, SourceError

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
    base: Annotated[
        str | None,
        typer.Option(
            "--base",
            help="A git revision (e.g. origin/main): only findings it does not have are errors; its own "
            "are listed as notices.",
        ),
    ] = None,
    db: DbOption = None,
    fix: Annotated[
        bool, typer.Option("--fix", help="Repair in place what has exactly one right fix, then check.")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="With --fix: print the changes as a unified diff, write nothing.")
    ] = False,
) -> None:
    """Validate a checkout of the list strictly, as CI does on a pull request (exit 1 on any error).

    With --base, a store given by --db that was built from that revision makes the check read only
    what changed. With --fix --dry-run, exit 1 when something would change."""
    with reported_errors():
        if not path.is_dir():
            raise SourceError(f"{path}: no such folder; pass a checkout of the list")
        if dry_run and not fix:
            raise InvalidRequestError("--dry-run goes with --fix")
        if db is not None and base is None:
            raise InvalidRequestError("--db goes with --base: give the revision the store was built from")
        root = path.resolve()
        if fix:
            result = HeadKG.fix(root, write=not dry_run)
            if dry_run:
                sys.stdout.write(result.diff())
                raise typer.Exit(1 if result.files else 0)
            stream = sys.stdout if output is CheckFormat.text else sys.stderr  # JSON and annotations stay clean
            for applied in result.applied:
                stream.write(f"fixed {applied.finding.location()}: {applied.what}\n")
        if base is None:
            findings = HeadKG.check(root)
        elif db is not None:
            findings = store_for(db).check_change(root, base)
        else:
            findings = HeadKG.check(root, base=base)
        render = {CheckFormat.text: as_text, CheckFormat.github: as_github, CheckFormat.json: as_json}[output]
        sys.stdout.write(render(findings) + "\n")
        if has_errors(findings):
            raise typer.Exit(1)
