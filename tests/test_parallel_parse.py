"""README sections and bib files parsed in worker processes give what parsing them one by one gives:
the same sightings, findings and cache entries, in the same order."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from benchmarks.synthetic_list import write_list
from headkg.ingest import cache as parse_cache
from headkg.ingest.cache import Chunk, ParseCache
from headkg.ingest.pipeline import read_list
from headkg.schema.findings import Findings
from headkg.schema.sightings import ListContents, PaperSighting

DATA = Path(__file__).parent / "data" / "lists"
TODAY = dt.date(2026, 1, 15)


def _read(root: Path, workers: int) -> tuple[ListContents, ParseCache]:
    cache = ParseCache()
    return read_list(root, today=TODAY, cache=cache, workers=workers), cache


@pytest.fixture
def synthetic(tmp_path: Path) -> Path:
    write_list(tmp_path / "list", 300)
    return tmp_path / "list"


@pytest.mark.parametrize("name", ["snapshot", "snapshot_2024", "broken", "synthetic"])
def test_parallel_parse_equals_serial_parse(
    name: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = DATA / name if name == "broken" else request.getfixturevalue(name)
    serial, serial_cache = _read(root, workers=1)
    monkeypatch.setattr(parse_cache, "PARALLEL_MIN_CHARS", 0)  # workers even for a small list
    parallel, parallel_cache = _read(root, workers=2)
    assert serial.papers and parallel_cache.misses == serial_cache.misses
    assert parallel.model_dump() == serial.model_dump()
    assert [f.model_dump() for f in parallel.findings] == [f.model_dump() for f in serial.findings]
    assert parallel_cache.used == serial_cache.used  # the entries a build keeps, byte for byte
    if name == "broken":
        assert serial.findings  # findings in worker processes come back in their place


PARENT = os.getpid()


def _dies_in_a_worker(local: Findings) -> list[PaperSighting]:
    """A parse that kills the worker process running it (as the OOM killer would), and works here."""
    if os.getpid() != PARENT:
        os._exit(1)
    return []


def test_a_dead_worker_leaves_its_chunks_to_the_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parse_cache, "PARALLEL_MIN_CHARS", 0)
    cache, findings = ParseCache(), Findings()
    chunks = [Chunk(f"k{n}", 1, _dies_in_a_worker, size=1) for n in range(3)]
    with cache.parallel(2, size=1):
        cache.prefetch(chunks)
        assert all(cache.parse(c.key, 1, c.parse, findings) == [] for c in chunks)
    assert cache.misses == 3 and not findings
