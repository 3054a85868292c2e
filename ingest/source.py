"""Where the list comes from: a local checkout, or a git URL cloned (or pulled) into the cache."""

from __future__ import annotations

import hashlib
import io
import logging
import re
import subprocess
import tarfile
from pathlib import Path

from platformdirs import user_cache_dir

from headkg.schema.exceptions import SourceError

log = logging.getLogger("headkg")

UPSTREAM_URL = "https://github.com/IAAR-Shanghai/Awesome-Attention-Heads"
_URL = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|git@)", re.IGNORECASE)


def is_git_url(source: str) -> bool:
    return bool(_URL.match(source))


def cache_path_for(url: str, cache_dir: Path | None = None) -> Path:
    """A stable folder per URL under the user cache, e.g. ~/.cache/headkg/lists/awesome-...-1a2b3c4d."""
    base = cache_dir or Path(user_cache_dir("headkg"))
    tail = re.sub(r"[^A-Za-z0-9]+", "-", url.rstrip("/").rsplit("/", 1)[-1]).strip("-").lower() or "list"
    digest = hashlib.sha1(url.encode()).hexdigest()[:8]
    return base / "lists" / f"{tail}-{digest}"


def _git(args: list[str], cwd: Path | None = None) -> None:
    try:
        subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True, timeout=600)
    except FileNotFoundError as exc:
        raise SourceError("git is not installed; install git or pass --source a local checkout") from exc
    except subprocess.CalledProcessError as exc:
        detail = (exc.stderr or exc.stdout or "").strip().splitlines()
        raise SourceError(f"git {' '.join(args[:1])} failed: {detail[-1] if detail else exc}") from exc
    except subprocess.TimeoutExpired as exc:
        raise SourceError(f"git {' '.join(args[:1])} timed out") from exc


def fetch(url: str, cache_dir: Path | None = None) -> Path:
    """Clone `url` into the cache, or fast-forward the clone already there; return the checkout."""
    target = cache_path_for(url, cache_dir)
    if (target / ".git").is_dir():
        log.info("pulling %s into %s", url, target)
        _git(["fetch", "--depth", "1", "origin"], cwd=target)
        _git(["reset", "--hard", "FETCH_HEAD"], cwd=target)
    else:
        log.info("cloning %s into %s", url, target)
        target.parent.mkdir(parents=True, exist_ok=True)
        _git(["clone", "--depth", "1", url, str(target)])
    return target


def locate(source: str | Path | None, cache_dir: Path | None = None) -> Path:
    """Resolve --source to a local folder: a directory as is, a git URL via the cache."""
    if source is None:
        return fetch(UPSTREAM_URL, cache_dir)
    text = str(source)
    if is_git_url(text):
        return fetch(text, cache_dir)
    path = Path(text).expanduser()
    if not path.is_dir():
        raise SourceError(f"{path}: no such folder; pass a checkout of the list or a git URL")
    if not (path / "README.md").is_file() and not (path / "source").is_dir():
        raise SourceError(f"{path}: neither README.md nor source/ found; is this a checkout of the list?")
    return path.resolve()


def export_revision(repo: Path, revision: str, dest: Path) -> Path:
    """The tree of `revision` of the git checkout `repo`, written to `dest` (no working tree touched)."""
    if not (repo / ".git").exists():
        raise SourceError(f"{repo}: not a git checkout; pass --repo a clone of the list")
    if revision.startswith("-"):
        raise SourceError(f"{revision!r} is not a revision")
    dest.mkdir(parents=True, exist_ok=True)
    try:
        archive = subprocess.run(
            ["git", "-C", str(repo), "archive", "--format=tar", revision],
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
