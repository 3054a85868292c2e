"""Where the list comes from: a local checkout, or a git URL cloned (or pulled) into the cache.

`headkg build` without --source asks the upstream list. When it cannot be reached (no route, DNS
failure, refused, or no answer within `Upstream.timeout`), `locate` falls back on the cached clone
(not refreshed) or, with none, on the snapshot bundled in the package, and says so in one line.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import re
import shutil
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_cache_dir

from headkg.ingest import bundled, git
from headkg.ingest.bundled import Snapshot
from headkg.ingest.origin import UPSTREAM_REPOSITORY
from headkg.schema.exceptions import SourceError

log = logging.getLogger("headkg")

UPSTREAM_URL = UPSTREAM_REPOSITORY
DEFAULT_TIMEOUT = 10.0  # seconds without an answer before the upstream counts as unreachable
_URL = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|git@)", re.IGNORECASE)


@dataclass(frozen=True)
class Upstream:
    """Where `headkg build` without --source gets the list, and how long to wait for an answer."""

    url: str = UPSTREAM_URL
    timeout: float = DEFAULT_TIMEOUT
    cache_dir: Path | None = None  # default: the user cache (platformdirs, honours XDG_CACHE_HOME)


@dataclass(frozen=True)
class Located:
    """What a build reads: a checkout folder, or (offline, no cached clone) the bundled snapshot.

    `notice` is one line for the user whenever the build does not read what was asked for.
    """

    root: Path | None = None
    snapshot: Snapshot | None = None
    notice: str = ""


def is_git_url(source: str) -> bool:
    return bool(_URL.match(source))


def cache_path_for(url: str, cache_dir: Path | None = None) -> Path:
    """A stable folder per URL under the user cache, e.g. ~/.cache/headkg/lists/awesome-...-1a2b3c4d."""
    base = cache_dir or Path(user_cache_dir("headkg"))
    tail = re.sub(r"[^A-Za-z0-9]+", "-", url.rstrip("/").rsplit("/", 1)[-1]).strip("-").lower() or "list"
    digest = hashlib.sha1(url.encode()).hexdigest()[:8]
    return base / "lists" / f"{tail}-{digest}"


def fetch(url: str, cache_dir: Path | None = None, timeout: float = DEFAULT_TIMEOUT) -> Path:
    """Clone `url` into the cache, or fast-forward the clone already there; return the checkout.

    A quick probe first, so an unreachable remote fails within `timeout` instead of git's own
    minutes; the transfer then ends when it stalls for `timeout` seconds."""
    target = cache_path_for(url, cache_dir)
    git.probe(url, timeout)
    if (target / ".git").is_dir():
        log.info("pulling %s into %s", url, target)
        git.run(["fetch", "--depth", "1", "origin"], cwd=target, stall=timeout)
        git.run(["reset", "--hard", "FETCH_HEAD"], cwd=target)
    else:
        log.info("cloning %s into %s", url, target)
        partial = target.with_name(f"{target.name}.partial-{os.getpid()}")
        shutil.rmtree(partial, ignore_errors=True)
        partial.parent.mkdir(parents=True, exist_ok=True)
        try:
            git.run(["clone", "--depth", "1", "--", url, str(partial)], stall=timeout)
            shutil.rmtree(target, ignore_errors=True)  # a folder left without .git is no clone
            os.replace(partial, target)
        finally:
            shutil.rmtree(partial, ignore_errors=True)
    return target


def checkout(source: str | Path | None, upstream: Upstream | None = None) -> Path:
    """Resolve --source to a local folder, strictly: a directory as is, a git URL via the cache,
    none as the upstream list. Any failure is a SourceError."""
    upstream = upstream or Upstream()
    if source is None:
        return fetch(upstream.url, upstream.cache_dir, upstream.timeout)
    text = str(source)
    if is_git_url(text):
        return fetch(text, upstream.cache_dir, upstream.timeout)
    path = Path(text).expanduser()
    if not path.is_dir():
        raise SourceError(f"{path}: no such folder; pass a checkout of the list or a git URL")
    if not (path / "README.md").is_file() and not (path / "source").is_dir():
        raise SourceError(f"{path}: neither README.md nor source/ found; is this a checkout of the list?")
    return path.resolve()


def locate(source: str | Path | None, upstream: Upstream | None = None) -> Located:
    """Resolve --source like `checkout`, but when a git remote cannot be reached fall back on its
    cached clone (not refreshed) and, for the upstream list with no clone, on the bundled snapshot."""
    upstream = upstream or Upstream()
    text = None if source is None else str(source)
    if text is not None and not is_git_url(text):
        return Located(root=checkout(text, upstream))
    url = text or upstream.url
    try:
        return Located(root=fetch(url, upstream.cache_dir, upstream.timeout))
    except SourceError as exc:
        reason = str(exc)
    cached = cache_path_for(url, upstream.cache_dir)
    if (cached / ".git").is_dir() and (cached / "README.md").is_file():
        commit = git.last_commit(cached)
        at = f" (commit {commit[0][:7]} of {commit[1]})" if commit else ""
        notice = (
            f"could not reach {url} ({reason}); building from the cached clone at {cached}{at}, "
            "not refreshed: run `headkg build` again online to update it"
        )
        log.info("%s", notice)
        return Located(root=cached, notice=notice)
    if text is not None:
        raise SourceError(f"cannot reach {url}: {reason}")
    snapshot = bundled.load()
    notice = f"could not reach {url} ({reason}); {bundled.describe(snapshot)}"
    log.info("%s", notice)
    return Located(snapshot=snapshot, notice=notice)


def export_revision(repo: Path, revision: str, dest: Path) -> Path:
    """The tree of `revision` of the git checkout `repo` (or of the folder `repo` is inside a
    checkout), written to `dest` (no working tree touched)."""
    if revision.startswith("-"):
        raise SourceError(f"{revision!r} is not a revision")
    try:
        prefix = git.run(["-C", str(repo), "rev-parse", "--show-prefix"], timeout=60).strip()
    except SourceError as exc:
        raise SourceError(f"{repo}: not a git checkout; pass a clone of the list ({exc})") from exc
    dest.mkdir(parents=True, exist_ok=True)
    try:
        archive = subprocess.run(
            ["git", "-C", str(repo), "archive", "--format=tar", f"{revision}:{prefix}" if prefix else revision],
            check=True,
            capture_output=True,
            timeout=600,
        )
    except FileNotFoundError as exc:
        raise SourceError("git is not installed") from exc
    except subprocess.CalledProcessError as exc:
        detail = exc.stderr.decode(errors="replace").strip().splitlines()
        raise SourceError(f"git cannot read revision {revision!r}: {detail[-1] if detail else exc}") from exc
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(dest, filter="data")
    return dest
