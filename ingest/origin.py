"""Where the list's lines can be read online: the repository and commit a store was built from.

A build records them in the store's meta (`list_repository`, `list_commit`, `list_date`) when the
source is a clean git checkout (or the bundled snapshot, whose commit is known), so every
"README.md:529" a page shows can link to that very line as it was built:
`https://github.com/OWNER/REPO/blob/COMMIT/README.md?plain=1#L529` (GitHub's plain view, which
numbers the lines of a Markdown file instead of rendering it).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import quote

from headkg.ingest import git
from headkg.schema.exceptions import SourceError

UPSTREAM_REPOSITORY = "https://github.com/IAAR-Shanghai/Awesome-Attention-Heads"  # the list itself

REPOSITORY = "list_repository"
COMMIT = "list_commit"
DATE = "list_date"

_GITHUB = re.compile(
    r"^(?:https?://(?:[^@/]+@)?github\.com/|ssh://git@github\.com/|git@github\.com:)"
    r"(?P<owner>[A-Za-z0-9_.-]+)/(?P<repo>[A-Za-z0-9_.-]+?)(?:\.git)?/?$"
)
_COMMIT = re.compile(r"^[0-9a-f]{7,40}$")


def web_url(remote: str) -> str | None:
    """The https address of a GitHub repository from any form of its git remote, else None.

    >>> web_url("git@github.com:IAAR-Shanghai/Awesome-Attention-Heads.git")
    'https://github.com/IAAR-Shanghai/Awesome-Attention-Heads'
    """
    found = _GITHUB.match(remote.strip())
    return f"https://github.com/{found['owner']}/{found['repo']}" if found else None


def checkout_origin(root: Path) -> dict[str, str]:
    """The meta entries of a clean git checkout whose `origin` is on GitHub; empty otherwise.

    A checkout with uncommitted changes to tracked files gets none: its lines may differ from the
    commit's, and a link to the wrong line is worse than no link."""
    commit = git.last_commit(root)
    if commit is None:
        return {}
    try:
        remote = git.run(["-C", str(root), "remote", "get-url", "origin"], timeout=30).strip()
        dirty = git.run(["-C", str(root), "status", "--porcelain", "--untracked-files=no"], timeout=60).strip()
    except SourceError:
        return {}
    url = web_url(remote)
    if url is None or dirty:
        return {}
    return {REPOSITORY: url, COMMIT: commit[0], DATE: commit[1]}


def line_url(meta: Mapping[str, str], file: str, line: int | None) -> str | None:
    """The web address of `file`'s line `line` at the commit the store was built from, or None
    when the store does not know where its list lives."""
    repository, commit = meta.get(REPOSITORY, ""), meta.get(COMMIT, "")
    if not repository.startswith("https://github.com/") or not _COMMIT.match(commit):
        return None
    anchor = f"#L{line}" if line else ""
    return f"{repository}/blob/{commit}/{quote(file)}?plain=1{anchor}"
