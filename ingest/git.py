"""Running git for the list: in bounded time, never waiting on a prompt, errors as SourceError."""

from __future__ import annotations

import math
import os
import re
import signal
import subprocess
from pathlib import Path

from headkg.schema.exceptions import SourceError

_UNABLE = re.compile(r"^unable to access '[^']*': ")  # "unable to access 'URL': Could not resolve host: x"
TRANSFER_TIMEOUT = 600.0  # hard cap on a clone or pull that keeps receiving data (stalls end sooner)


def _env(timeout: float) -> dict[str, str]:
    """Never prompt for credentials (GitHub answers a missing repository with a password prompt),
    and give ssh the same connect timeout."""
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "", "SSH_ASKPASS": ""}
    if "GIT_SSH_COMMAND" not in env and "GIT_SSH" not in env:
        env["GIT_SSH_COMMAND"] = f"ssh -o BatchMode=yes -o ConnectTimeout={math.ceil(timeout)}"
    return env


def run(args: list[str], cwd: Path | None = None, *, timeout: float = TRANSFER_TIMEOUT, stall: float = 0) -> str:
    """git's output, or a SourceError carrying git's last line.

    `stall` (seconds): an HTTP transfer that receives nothing for that long ends (git's
    http.lowSpeedTime); `timeout`: git and its helpers are killed, whatever they are doing."""
    speed = ["-c", "http.lowSpeedLimit=1", "-c", f"http.lowSpeedTime={math.ceil(stall)}"] if stall else []
    try:
        proc = subprocess.Popen(
            ["git", *speed, *args],
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=_env(stall or timeout),
            start_new_session=True,  # its own process group, so a timeout ends git-remote-https too
        )
    except FileNotFoundError as exc:
        raise SourceError("git is not installed; install git or pass --source a local checkout") from exc
    try:
        out, errors = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        raise SourceError(f"no answer within {timeout:g} s") from None
    if proc.returncode != 0:
        raise SourceError(f"git {args[0]} failed: {_reason(errors or out, proc.returncode)}")
    return out


def _reason(output: str, code: int) -> str:
    """The line of git's output that says why: the first error line (ssh's own comes before git's
    generic "Could not read from remote repository"), without the URL it repeats."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith(("fatal:", "error:", "ssh:", "remote:"))]
    line = (errors or lines or [f"exit code {code}"])[0]
    return _UNABLE.sub("", line.removeprefix("fatal: ").removeprefix("error: "))


def _kill_group(proc: subprocess.Popen[str]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError, AttributeError):  # AttributeError: no killpg (Windows)
        proc.kill()
    proc.communicate()


def probe(url: str, timeout: float) -> None:
    """Ask the remote for its HEAD within `timeout` seconds; a SourceError says why it cannot answer."""
    try:
        run(["ls-remote", "--", url, "HEAD"], timeout=timeout, stall=timeout)
    except SourceError as exc:
        raise SourceError(str(exc).removeprefix("git ls-remote failed: ")) from exc


def last_commit(repo: Path) -> tuple[str, str] | None:
    """(full hash, commit date YYYY-MM-DD) of a git checkout's HEAD; None when it is not one."""
    if not (repo / ".git").exists():
        return None
    try:
        out = run(["-C", str(repo), "log", "-1", "--format=%H %cs"], timeout=30)
    except SourceError:
        return None
    commit, _, date = out.strip().partition(" ")
    return (commit, date) if commit and date else None


def revision_of(repo: Path, revision: str = "HEAD") -> str | None:
    """The commit hash `revision` names in the git checkout (or folder inside one) `repo`; None when
    git cannot tell (no checkout, no such revision)."""
    if revision.startswith("-"):
        return None
    try:
        return run(["-C", str(repo), "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}"], timeout=30).strip()
    except SourceError:
        return None


def clean_revision(repo: Path, paths: list[str]) -> str | None:
    """The commit of the checkout's HEAD when none of `paths` (globs, relative to `repo`) differs from
    it: what a build read is exactly that commit. None otherwise, or outside git."""
    commit = revision_of(repo)
    if commit is None:
        return None
    try:
        status = run(["-C", str(repo), "status", "--porcelain", "--untracked-files=all", "--", *paths], timeout=60)
    except SourceError:
        return None
    return None if status.strip() else commit
