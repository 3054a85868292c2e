"""The input files of a checkout, found and read without a traceback.

A pull request can put anything where a parser looks: a folder named `x.bib`, a symbolic link that
leads nowhere or to itself, a file nobody may read. Each becomes a finding (code `file.unreadable`,
with its path) and the build goes on with the other files; the parsers only ever see readable
regular files. The input's fingerprint (ingest/fingerprint.py) counts such paths too, so an
incremental build notices them.
"""

from __future__ import annotations

import stat
from pathlib import Path

from headkg.schema.findings import Findings

CODE = "file.unreadable"


def problem(path: Path) -> str | None:
    """Why `path` cannot be read as an input file (None when it is a readable regular file)."""
    try:
        mode = path.stat().st_mode  # follows links: a loop or a dangling link fails here
    except OSError as exc:
        if path.is_symlink():
            return f"a symbolic link that leads to no file ({exc.strerror or exc})"
        return f"cannot be read ({exc.strerror or exc})"
    if stat.S_ISDIR(mode):
        return "a folder, not a file"
    if not stat.S_ISREG(mode):
        return "not a regular file"
    return None


def input_files(root: Path, folder: str | Path, pattern: str, findings: Findings) -> list[Path]:
    """The readable regular files matching `pattern` in `root/folder`, sorted; anything else that
    matches is a finding and is skipped. No folder: an empty list, no finding."""
    base = root / folder
    if not base.is_dir():
        return []
    kept: list[Path] = []
    for path in sorted(base.glob(pattern)):
        why = problem(path)
        if why is None:
            kept.append(path)
        else:
            report(path.relative_to(root).as_posix(), why, findings)
    return kept


def read_input(path: Path, rel: str, findings: Findings) -> bytes | None:
    """The file's bytes, or None with a finding when it cannot be read (a race, permissions)."""
    why = problem(path)
    if why is None:
        try:
            return path.read_bytes()
        except OSError as exc:
            why = f"cannot be read ({exc.strerror or exc})"
    report(rel, why, findings)
    return None


def report(rel: str, why: str, findings: Findings) -> None:
    findings.error(rel, None, f"{why}; it is skipped", "replace it with the file it should be, or remove it", code=CODE)
