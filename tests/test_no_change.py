"""A build over an unchanged list: decided from the files' contents, read only where `stat` says a
file may have changed, and without importing the parsers (ingest/fingerprint.py, api/cli.py)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from headkg.api.cli import app
from headkg.ingest import fingerprint
from headkg.ingest.fingerprint import InputHashes, input_fingerprint

runner = CliRunner()
TODAY = dt.date(2026, 1, 1)
BIB = Path("source") / "bib" / "AttnHead.bib"


def build(root: Path, db: Path) -> str:
    result = runner.invoke(app, ["build", "--source", str(root), "--db", str(db), "--quiet"])
    assert result.exit_code == 0, result.output
    return result.stderr


@pytest.fixture
def checkout(tmp_path: Path, snapshot: Path) -> Path:
    root = tmp_path / "list"
    shutil.copytree(snapshot, root)
    return root


def test_a_touched_but_unchanged_file_is_no_change(checkout: Path, tmp_path: Path) -> None:
    db = tmp_path / "store.sqlite"
    build(checkout, db)
    later = (checkout / "README.md").stat().st_mtime + 3600
    os.utime(checkout / "README.md", (later, later))
    assert "no input changed" in build(checkout, db)


def test_an_edit_that_keeps_size_and_mtime_is_seen(
    checkout: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The kept `stat` includes the ctime, which an edit always moves (a tool can put the mtime back)."""
    monkeypatch.setattr(fingerprint, "RACY_SECONDS", 0.0)  # no re-read of recent files: `stat` alone decides
    db = tmp_path / "store.sqlite"
    build(checkout, db)
    bib = checkout / BIB
    before = bib.stat()
    text = bib.read_text(encoding="utf-8")
    edited = text.replace("journal={Transformer Circuits Thread}", "journal={Transformer Circuits Threat}")
    assert edited != text and len(edited) == len(text)
    bib.write_text(edited, encoding="utf-8")
    os.utime(bib, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert (bib.stat().st_size, bib.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    stderr = build(checkout, db)
    assert "updated:" in stderr and "1 changed" in stderr, stderr


def test_kept_hashes_spare_reading_unchanged_files(checkout: Path) -> None:
    fresh = input_fingerprint(checkout, TODAY)
    name = BIB.as_posix()
    stat, _ = fresh.hashes.files[name]
    # hashes kept well after the files were written: a kept hash is taken on trust (a planted one shows it)
    kept = InputHashes(dict(fresh.hashes.files), taken_ns=max(stat[1], stat[2]) + 10**10)
    kept.files[name] = (stat, "0" * 64)
    trusted = input_fingerprint(checkout, TODAY, known=kept)
    assert trusted.hashes.files[name][1] == "0" * 64 and trusted.value != fresh.value
    # hashes kept within RACY_SECONDS of the file's last change: the file is read again
    kept.taken_ns = max(stat[1], stat[2]) + 10**9
    assert input_fingerprint(checkout, TODAY, known=kept).value == fresh.value
    # another stat (the file was replaced): read again
    kept = InputHashes({**fresh.hashes.files, name: ((stat[0] + 1, *stat[1:]), "0" * 64)}, taken_ns=2**62)
    assert input_fingerprint(checkout, TODAY, known=kept).value == fresh.value


@pytest.mark.parametrize("text", [None, "", "[]", "{}", '{"files": 1, "taken_ns": 0}', '{"files": {"a": [1]}}'])
def test_unreadable_kept_hashes_mean_read_everything(text: str | None) -> None:
    assert InputHashes.from_json(text).files == {}


def test_kept_hashes_round_trip(checkout: Path) -> None:
    hashes = input_fingerprint(checkout, TODAY).hashes
    assert InputHashes.from_json(hashes.to_json()) == hashes and len(hashes.files) > 3


HEAVY = ("headkg.ingest.pipeline", "headkg.ingest.readme", "headkg.db.writer", "bibtexparser", "networkx", "fastapi")
PROBE = """
import sys
from headkg.api.cli import main
source, db, heavy = sys.argv[1:4]
sys.argv = ["headkg", "build", "--source", source, "--db", db, "--quiet"]
try:
    main()
except SystemExit as exit:
    assert not exit.code, exit.code
print(",".join(name for name in heavy.split(",") if name in sys.modules))
"""


def test_a_build_over_an_unchanged_list_loads_no_parser(checkout: Path, tmp_path: Path) -> None:
    db = tmp_path / "store.sqlite"
    build(checkout, db)
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(checkout), str(db), ",".join(HEAVY)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "no input changed" in done.stderr
    assert done.stdout.strip() == "", f"imported on the no-change path: {done.stdout.strip()}"
