"""`headkg diff`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from headkg.api.console import JsonOption, print_json, reported_errors
from headkg.api.diff_format import as_markdown
from headkg.db.store import HeadKG


def diff(
    old: Annotated[str, typer.Argument(help="The old checkout, or with --repo a range A..B.")],
    new: Annotated[str | None, typer.Argument(help="The new checkout (without --repo).")] = None,
    repo: Annotated[Path | None, typer.Option(help="A git checkout of the list; OLD is then a range A..B.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Papers added, removed, changed and re-identified between two versions of the list (Markdown for a PR)."""
    with reported_errors():
        result = HeadKG.diff(old, new, repo)
        if as_json:
            shown = {"added", "removed", "changed", "id_changes", "heads_added"}
            print_json(result.model_dump(mode="json", include=shown))
        else:
            sys.stdout.write(as_markdown(result))
