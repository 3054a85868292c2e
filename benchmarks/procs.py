"""Run a command as a child process and measure it: wall time and peak memory.

Peak memory is the larger of the kernel's maximum resident set of the child (and of the
descendants it waited for) from `os.wait4`, and the largest sum of RSS over the child's whole
process tree sampled every 50 ms (which counts parallel worker processes together). The kernel's
figure starts from the caller's own size when it forks the child, so a caller that holds much memory
hides every smaller peak behind its own: keep the measuring process small.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import psutil


@dataclass
class Measured:
    command: list[str]
    seconds: float
    peak_rss: int  # bytes
    cpu_seconds: float  # user + system time of the child and the descendants it waited for
    returncode: int
    stdout: str
    stderr: str


def tree_rss(process: psutil.Process) -> list[tuple[int, int]]:
    """(pid, RSS in bytes) of a process and all its descendants still alive."""
    out = []
    try:
        members = [process, *process.children(recursive=True)]
    except psutil.Error:
        return out
    for member in members:
        try:
            out.append((member.pid, member.memory_info().rss))
        except psutil.Error:
            pass
    return out


def _sample(pid: int, stop: threading.Event, peak: list[int]) -> None:
    try:
        process = psutil.Process(pid)
    except psutil.Error:
        return
    while not stop.is_set():
        peak[0] = max(peak[0], sum(rss for _, rss in tree_rss(process)))
        stop.wait(0.05)


def measure(command: Sequence[str], *, cwd: Path | None = None, env: Mapping[str, str] | None = None) -> Measured:
    """Run `command` to completion; its wall time, peak RSS, exit code and output."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        child = subprocess.Popen(list(command), cwd=cwd, env=dict(env) if env else None, stdout=out, stderr=err)
        stop, peak = threading.Event(), [0]
        sampler = threading.Thread(target=_sample, args=(child.pid, stop, peak), daemon=True)
        sampler.start()
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - start
        stop.set()
        sampler.join()
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Measured(
            command=list(command),
            seconds=seconds,
            peak_rss=max(usage.ru_maxrss * 1024, peak[0]),
            cpu_seconds=usage.ru_utime + usage.ru_stime,
            returncode=child.returncode,
            stdout=out.read().decode("utf-8", "replace"),
            stderr=err.read().decode("utf-8", "replace"),
        )


def installed_command(name: str) -> str:
    """An installed console script, preferring the one beside this interpreter (the active venv)."""
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if not found:
        raise SystemExit(f"`{name}` is not installed: run `pip install -e '.[bench]'` first")
    return found
