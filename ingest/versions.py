"""Two versions of the list, two checkouts or two git revisions of one, compared paper by paper
(`HeadKG.diff`, `headkg diff`)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from headkg.ingest.diff import diff_graphs
from headkg.ingest.pipeline import graph_from_checkout
from headkg.ingest.source import export_revision
from headkg.ingest.vocabulary import Vocabulary
from headkg.schema.diff import ListDiff
from headkg.schema.exceptions import SourceError


def _checkout(path: str) -> Path:
    folder = Path(path).expanduser()
    if not folder.is_dir():
        raise SourceError(f"{folder}: no such folder; pass two checkouts of the list, or --repo PATH A..B")
    return folder.resolve()


def diff_versions(old: str, new: str | None = None, repo: Path | None = None) -> ListDiff:
    """Diff two folders, or (with `repo`) the revisions of the range `old` = "A..B"."""
    vocabulary = Vocabulary.load()
    if repo is None:
        if new is None:
            raise SourceError("pass two checkouts (headkg diff OLD NEW) or a range (headkg diff --repo PATH A..B)")
        return diff_graphs(
            graph_from_checkout(_checkout(old), vocabulary), graph_from_checkout(_checkout(new), vocabulary)
        )
    if new is not None or ".." not in old:
        raise SourceError("with --repo, give one range A..B (e.g. origin/main..HEAD)")
    base, _, head = old.partition("..")
    head = head.lstrip(".") or "HEAD"
    with tempfile.TemporaryDirectory(prefix="headkg-diff-") as tmp:
        base_dir = export_revision(repo, base or "HEAD", Path(tmp) / "old")
        head_dir = export_revision(repo, head, Path(tmp) / "new")
        return diff_graphs(graph_from_checkout(base_dir, vocabulary), graph_from_checkout(head_dir, vocabulary))
