"""Issue 9, defect 7: one build at a time per store, and what a killed build leaves is cleaned.

A second build waits for the first (bounded by HEADKG_LOCK_TIMEOUT) and then stops with one line
and exit 2; `kill -9` at any moment of a build leaves the previous store whole and readable, and
never a lock held: the next build runs at once and removes the `.NAME.building-PID` files.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from headkg.api.cli import app
from headkg.db.lock import leftovers, lock_path
from headkg.db.store import HeadKG

runner = CliRunner()
HEADKG = Path(sys.executable).parent / "headkg"


def build(url: str, source: Path, *extra: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = runner.invoke(app, ["build", "--source", str(source), "--db", url, "--quiet", *extra], env=env)
    return result.exit_code, result.stderr


def kill_9_after(delay: float, *args: str) -> None:
    """Start `headkg build ARGS` in a process of its own and kill -9 it after `delay` seconds (if it
    has not ended by then)."""
    killed = subprocess.Popen([str(HEADKG), "build", *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(delay)
    if killed.poll() is None:
        os.kill(killed.pid, signal.SIGKILL)
    killed.wait(timeout=60)


def test_a_second_build_stops_after_the_lock_timeout(store_url: str, snapshot_2024: Path) -> None:
    holder = HeadKG(store_url)
    with holder.lock():
        started = time.monotonic()
        code, stderr = build(store_url, snapshot_2024, env={"HEADKG_LOCK_TIMEOUT": "1"})
        waited = time.monotonic() - started
    assert code == 2 and "another build is writing" in stderr and "HEADKG_LOCK_TIMEOUT" in stderr
    assert len(stderr.strip().splitlines()) == 1 and waited >= 1
    assert not HeadKG(store_url).exists()  # nothing was written
    assert build(store_url, snapshot_2024)[0] == 0  # the lock is free again


def test_a_second_build_waits_for_the_first(store_url: str, snapshot_2024: Path) -> None:
    holder = HeadKG(store_url)
    held = threading.Event()

    def hold() -> None:
        with holder.lock():
            held.set()
            time.sleep(1.5)

    thread = threading.Thread(target=hold)
    thread.start()
    held.wait(10)
    code, stderr = build(store_url, snapshot_2024, env={"HEADKG_LOCK_TIMEOUT": "30"})
    thread.join()
    assert code == 0, stderr


def test_two_concurrent_builds_both_end_well(tmp_path: Path, snapshot: Path, snapshot_2024: Path) -> None:
    """The reproduction: two builds on one SQLite store at once ("disk I/O error" or the last one
    silently winning). Now the second waits, then finds the store up to date or updates it."""
    db = str(tmp_path / "kg.sqlite")
    procs = [
        subprocess.Popen(
            [str(HEADKG), "build", "--source", str(source), "--db", db, "--quiet", "--allow-shrink"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for source in (snapshot, snapshot_2024)
    ]
    results = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], results
    assert not leftovers(Path(db)) and HeadKG(db).stats().papers in (39, 187)


def test_leftovers_of_a_killed_build_are_removed_by_the_next(tmp_path: Path, snapshot_2024: Path) -> None:
    db = tmp_path / "kg.sqlite"
    for name in (f".{db.name}.building-99999", f".{db.name}.building-99999-journal", f".{db.name}.building-1-wal"):
        (tmp_path / name).write_bytes(b"half a store")
    assert len(leftovers(db)) == 3
    assert build(str(db), snapshot_2024)[0] == 0
    assert leftovers(db) == [] and lock_path(db).exists()


@pytest.mark.parametrize("delay", [0.3, 1.0, 1.8, 2.6])
def test_kill_9_during_a_build_keeps_the_store_and_frees_the_lock(
    store_url: str, snapshot: Path, snapshot_2024: Path, delay: float
) -> None:
    """A --full rebuild killed at some moment: the store is the old one or the new one, whole; the
    next build neither waits for a lock nor trips over what the killed one left."""
    assert build(store_url, snapshot_2024)[0] == 0
    kill_9_after(delay, "--source", str(snapshot), "--db", store_url, "--quiet", "--full")
    with HeadKG(store_url) as kg:
        stats = kg.stats()
        assert stats.papers in (39, 187) and kg.papers(limit=500).total == stats.papers
    started = time.monotonic()
    code, stderr = build(store_url, snapshot, "--full", env={"HEADKG_LOCK_TIMEOUT": "5"})
    assert code == 0, stderr
    assert time.monotonic() - started < 120
    path = Path(store_url.removeprefix("sqlite:///")) if store_url.startswith("sqlite") else None
    if path is not None:
        assert leftovers(path) == []
    with HeadKG(store_url) as kg:
        assert kg.stats().papers == 187


def test_kill_9_during_a_first_build_leaves_no_store(tmp_path: Path, snapshot: Path) -> None:
    """The first build writes beside the store and renames: killed, there is no store, and the
    next build removes its half-written file."""
    db = tmp_path / "kg.sqlite"
    for delay in (0.5, 1.5):
        kill_9_after(delay, "--source", str(snapshot), "--db", str(db), "--quiet")
        assert not db.exists() or HeadKG(db).stats().papers == 187
        db.unlink(missing_ok=True)
    assert build(str(db), snapshot)[0] == 0
    assert leftovers(db) == [] and HeadKG(db).stats().papers == 187
