"""One hash of everything a build reads, so a build over an unchanged list can stop at once.

The hash is of the files' contents, never of their dates: a file touched but unchanged is no change,
and a change always shows. To avoid reading a 100,000-paper list on every build, each file's hash
is kept with what `stat` said of it then (size, mtime, ctime, inode: git's index does the same),
and a file whose `stat` says the same is not read again. An edit changes the ctime even when a tool
puts the old mtime back (`touch -d`, `cp -p`, `rsync -t`), so only a changed system clock could hide
one. A file changed within `RACY_SECONDS` of the moment its hash was kept is read again anyway, as
git does for "racily clean" files: a coarse file system may give an edit made in the same second
the same times. `headkg build --full` reads everything.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from headkg.ingest.files import problem
from headkg.ingest.vocabulary import DEFAULT_DATA_DIR, LIST_VOCABULARY

PARSER_VERSION = "3"
"""Bump when a parser's output for the same text changes: every build then parses again (it is part of
the fingerprint and of the parse cache's keys, ingest/cache.py)."""
INPUT_GLOBS = ("README.md", "source/bib/*.bib", "source/figures/*.tex", "source/tables/*.tex", LIST_VOCABULARY)
RACY_SECONDS = 2.0
"""A file whose mtime or ctime is this close to when its hash was kept is read again."""

FileStat = tuple[int, int, int, int]
"""(size, mtime ns, ctime ns, inode) of a regular file."""


@dataclass
class InputHashes:
    """Each input file's content hash and the `stat` it was taken under; kept in the store's meta."""

    files: dict[str, tuple[FileStat, str]] = field(default_factory=dict)
    taken_ns: int = 0  # when the hashes were taken

    def to_json(self) -> str:
        return json.dumps({"taken_ns": self.taken_ns, "files": {k: [*s, h] for k, (s, h) in self.files.items()}})

    @classmethod
    def from_json(cls, text: str | None) -> InputHashes:
        """The kept hashes; none (every file read) when `text` is missing or not what `to_json` writes."""
        try:
            data = json.loads(text or "")
            files = {name: (tuple(int(x) for x in v[:4]), str(v[4])) for name, v in data["files"].items()}
            return cls(files, int(data["taken_ns"]))  # type: ignore[arg-type]
        except (ValueError, TypeError, KeyError, IndexError, AttributeError):
            return cls()

    def changed(self, now: InputHashes) -> set[str]:
        """The input files whose content differs from `now`'s (added and removed ones too)."""
        names = set(self.files) | set(now.files)
        return {n for n in names if (self.files.get(n) or (None, None))[1] != (now.files.get(n) or (None, None))[1]}

    def reusable(self, name: str, now: FileStat | None) -> str | None:
        """The kept hash of `name` when its `stat` is unchanged and was not racy; else None."""
        kept = self.files.get(name)
        if now is None or kept is None or kept[0] != now:
            return None
        _, mtime_ns, ctime_ns, _ = now
        if max(mtime_ns, ctime_ns) >= self.taken_ns - RACY_SECONDS * 1e9:
            return None
        return kept[1]


@dataclass(frozen=True)
class Fingerprint:
    value: str
    hashes: InputHashes


def input_fingerprint(
    root: Path, today: dt.date, data_dir: Path | None = None, known: InputHashes | None = None
) -> Fingerprint:
    """Hash of the list's input files, the curated vocabularies, the parser version and the date
    (a row's date can only become "in the future" relative to today). Files whose `stat` matches
    `known` (the last build's hashes) are not read again."""
    known = known or InputHashes()
    hashes = InputHashes(taken_ns=time.time_ns())
    digest = hashlib.sha256(f"{PARSER_VERSION}\0{today.isoformat()}\0".encode())
    files = [(p.relative_to(root).as_posix(), p) for pattern in INPUT_GLOBS for p in _matches(root, pattern)]
    vocab = data_dir or DEFAULT_DATA_DIR
    files += [(f"data/{p.name}", p) for p in sorted(vocab.glob("*.yaml"))]
    for name, path in files:
        now = _stat(path)
        content = known.reusable(name, now) or _content_hash(path)  # a folder or broken link counts too
        if now is not None:
            hashes.files[name] = (now, content)
        digest.update(f"{name}\0{content}\0".encode())
    return Fingerprint(digest.hexdigest(), hashes)


def _stat(path: Path) -> FileStat | None:
    """The `stat` of a regular file (following links); None for anything else."""
    try:
        st = path.stat()
    except OSError:
        return None
    if problem(path) is not None:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def _content_hash(path: Path) -> str:
    """The hash of a file's bytes, or of why it cannot be read (the build reports it)."""
    why = problem(path)
    if why is None:
        try:
            with path.open("rb") as handle:
                return hashlib.file_digest(handle, "sha256").hexdigest()
        except OSError as exc:
            why = f"cannot be read ({exc.strerror or exc})"
    return hashlib.sha256(f"\0unreadable\0{why}".encode()).hexdigest()


def _matches(root: Path, pattern: str) -> list[Path]:
    """Every path matching `pattern`, broken links included (`glob` skips a literal name's broken link)."""
    if "*" not in pattern:
        return [root / pattern] if os.path.lexists(root / pattern) else []
    return sorted(root.glob(pattern))
