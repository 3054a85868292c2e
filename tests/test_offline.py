"""Offline first run: `headkg build` without --source when the upstream list cannot be reached falls
back, within the configured timeout, on the cached clone or on the list snapshot bundled with
headkg; a store built from that snapshot answers like one built from the list, summaries aside.

The network is real but local: a file:// git repository as upstream, an unresolvable host, a
closed port, and a TCP server that accepts and never answers."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from headkg.api.app import create_app
from headkg.api.cli import app
from headkg.api.settings import Settings
from headkg.db.store import HeadKG
from headkg.ingest import bundled
from headkg.ingest.pipeline import graph_from_checkout
from headkg.ingest.source import Upstream, locate
from headkg.schema.exceptions import SettingsError, SourceError

runner = CliRunner()
GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org"]
LIST_COMMIT, LIST_DATE = "a992ea7", "2025-03-02"  # the commit of ../shared/awesome-attention-heads
TIMEOUT = 1.0  # seconds: the tests' network timeout
SLACK = 4.0  # what the fallback may take beyond it (git start-up, reading the snapshot)


def cli(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def notices(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("headkg: ")]


def without_summaries(value: Any) -> Any:
    """The same JSON with every "summary" key dropped, at any depth."""
    if isinstance(value, dict):
        return {k: without_summaries(v) for k, v in value.items() if k != "summary"}
    if isinstance(value, list):
        return [without_summaries(v) for v in value]
    return value


def make_origin(list_dir: Path, dest: Path) -> Path:
    """A git repository holding a copy of the list, committed on a fixed date."""
    shutil.copytree(list_dir, dest)
    subprocess.run([*GIT, "init", "-q", str(dest)], check=True)
    subprocess.run([*GIT, "-C", str(dest), "add", "-A"], check=True)
    env = {**os.environ, "GIT_AUTHOR_DATE": "2024-05-06T12:00:00", "GIT_COMMITTER_DATE": "2024-05-06T12:00:00"}
    subprocess.run([*GIT, "-C", str(dest), "commit", "-q", "-m", "list"], check=True, env=env)
    return dest


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def silent_port() -> Iterator[int]:
    """A TCP server that accepts every connection and never sends a byte."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    server.settimeout(0.1)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield int(server.getsockname()[1])
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    server.close()


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """An empty user cache, a short timeout and an upstream that refuses connections."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("HEADKG_NETWORK_TIMEOUT", str(TIMEOUT))
    monkeypatch.setenv("HEADKG_UPSTREAM", f"http://127.0.0.1:{closed_port()}/list.git")
    return tmp_path


# -- the bundled snapshot ----------------------------------------------------------------------


def test_committed_snapshot_is_the_current_list(snapshot: Path) -> None:
    """data/list-snapshot.json.gz holds what headkg makes of the list today; when parsing or the
    vocabularies change, regenerate it: headkg snapshot --source ../shared/awesome-attention-heads
    --commit a992ea7 --date 2025-03-02"""
    committed = bundled.load()
    assert (committed.commit, committed.date.isoformat()) == (LIST_COMMIT, LIST_DATE)
    fresh = bundled.from_graph(graph_from_checkout(snapshot, today=committed.date), LIST_COMMIT, committed.date)
    assert committed.graph == fresh.graph, "the bundled snapshot is stale: regenerate it (see this test's docstring)"
    assert committed.paper_count >= 187
    assert bundled.bundled_path().stat().st_size < 300_000


def test_snapshot_holds_every_fact_but_the_summaries(snapshot: Path, tmp_path: Path) -> None:
    graph = graph_from_checkout(snapshot)
    made, size = bundled.make(snapshot, tmp_path / "s.json.gz", commit=LIST_COMMIT, date=bundled.load().date)
    assert size == (tmp_path / "s.json.gz").stat().st_size
    text = gzip.decompress((tmp_path / "s.json.gz").read_bytes()).decode()
    summaries = [p.summary for p in graph.papers if p.summary]
    assert len(summaries) > 50
    assert not any(s in text for s in summaries)
    assert '"summary"' not in text
    loaded = bundled.load(tmp_path / "s.json.gz")
    expected = [p.model_copy(update={"summary": None}) for p in graph.papers]
    assert loaded.graph.papers == expected
    assert loaded.graph.model_dump(exclude={"papers"}) == graph.model_dump(exclude={"papers"})
    assert any(p.sources and p.bib_keys and p.authors and p.arxiv_id for p in loaded.graph.papers)
    assert made.graph == loaded.graph


def test_same_list_same_bytes(snapshot: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "a.json.gz", tmp_path / "b.json.gz"
    bundled.make(snapshot, first, commit=LIST_COMMIT, date=bundled.load().date)
    time.sleep(1.1)  # a gzip header with the time in it would differ now
    bundled.make(snapshot, second, commit=LIST_COMMIT, date=bundled.load().date)
    assert first.read_bytes() == second.read_bytes()


def test_snapshot_command_reads_commit_and_date_from_git(snapshot: Path, tmp_path: Path) -> None:
    origin = make_origin(snapshot, tmp_path / "origin")
    head = subprocess.run(["git", "-C", str(origin), "rev-parse", "HEAD"], capture_output=True, text=True).stdout
    code, _, stderr = cli("snapshot", "--source", str(origin), "-o", str(tmp_path / "s.json.gz"))
    assert code == 0, stderr
    made = bundled.load(tmp_path / "s.json.gz")
    assert (made.commit, made.date.isoformat()) == (head.strip(), "2024-05-06")
    assert f"{head[:7]} (2024-05-06)" in stderr and "187 papers" in stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "not a git checkout: pass --commit and --date"),
        (["--commit", "a992ea7", "--date", "2025-13-02"], "2025-13-02"),
        (["--commit", "not-a-hash", "--date", "2025-03-02"], "not a git commit hash"),
    ],
)
def test_snapshot_command_usage_errors(snapshot: Path, tmp_path: Path, args: list[str], message: str) -> None:
    code, _, stderr = cli("snapshot", "--source", str(snapshot), "-o", str(tmp_path / "s.json.gz"), *args)
    assert code == 2
    assert message in stderr and "Traceback" not in stderr
    assert not (tmp_path / "s.json.gz").exists()


def _damaged(raw: bytes) -> dict[str, bytes]:
    data = json.loads(gzip.decompress(raw))
    cases: dict[str, Any] = {"format": {**data, "format": 2}, "count": {**data, "paper_count": data["paper_count"] + 1}}
    linked = {link["paper_id"] for link in data["graph"]["paper_heads"]}
    papers = data["graph"]["papers"]
    cases["dangling"] = {**data, "graph": {**data["graph"], "papers": [p for p in papers if p["id"] not in linked]}}
    cases["dangling"]["paper_count"] = len(cases["dangling"]["graph"]["papers"])
    cases["twice"] = {**data, "graph": {**data["graph"], "papers": [*papers, papers[0]]}}
    cases["twice"]["paper_count"] = len(papers) + 1
    cases["missing"] = {k: v for k, v in data.items() if k != "graph"}
    out = {name: gzip.compress(json.dumps(value).encode()) for name, value in cases.items()}
    return {**out, "text": b"not gzip at all", "truncated": raw[: len(raw) // 2], "json": gzip.compress(b"{nope")}


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("text", "damaged"),
        ("truncated", "damaged"),
        ("json", "not valid"),
        ("missing", "graph: Field required"),
        ("format", "not valid (format"),
        ("count", "but holds"),
        ("dangling", "a link names the paper"),
        ("twice", "a paper appears twice"),
    ],
)
def test_a_damaged_snapshot_is_a_clear_error(tmp_path: Path, case: str, message: str) -> None:
    path = tmp_path / "s.json.gz"
    path.write_bytes(_damaged(bundled.bundled_path().read_bytes())[case])
    with pytest.raises(SourceError) as caught:
        bundled.load(path)
    assert message in str(caught.value) and str(path) in str(caught.value)
    assert "reinstall headkg" in str(caught.value)


def test_offline_build_with_a_damaged_snapshot_fails_cleanly(
    offline: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.json.gz"
    bad.write_bytes(bundled.bundled_path().read_bytes()[:1000])
    monkeypatch.setattr(bundled, "bundled_path", lambda: bad)
    db = tmp_path / "store.sqlite"
    code, _, stderr = cli("build", "--db", str(db), "--quiet")
    assert code == 2
    assert "damaged" in stderr and "Traceback" not in stderr
    assert not db.exists()


# -- falling back when the upstream cannot be reached --------------------------------------------


def _unreachable(kind: str, silent_port: int) -> str:
    return {
        "dns": "https://nonexistent.invalid/x.git",
        "refused": f"http://127.0.0.1:{closed_port()}/x.git",
        "no answer": f"http://127.0.0.1:{silent_port}/x.git",
    }[kind]


@pytest.mark.parametrize(
    ("kind", "reason"),
    [("dns", ("resolve",)), ("refused", ("refused", "connect")), ("no answer", ("no answer", "too slow"))],
)
def test_unreachable_upstream_falls_back_within_the_timeout(
    kind: str, reason: tuple[str, ...], silent_port: int, tmp_path: Path
) -> None:
    url = _unreachable(kind, silent_port)
    started = time.monotonic()
    located = locate(None, Upstream(url=url, timeout=TIMEOUT, cache_dir=tmp_path / "cache"))
    elapsed = time.monotonic() - started
    assert located.root is None and located.snapshot is not None
    assert elapsed < TIMEOUT + SLACK, f"{kind}: fell back after {elapsed:.1f} s"
    assert url in located.notice and any(r in located.notice.lower() for r in reason), located.notice


@pytest.mark.parametrize("kind", ["dns", "no answer"])
def test_first_run_offline_builds_from_the_bundled_snapshot(
    kind: str, offline: Path, silent_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HEADKG_UPSTREAM", _unreachable(kind, silent_port))
    db = str(offline / "store.sqlite")
    code, _, stderr = cli("build", "--db", db, "--quiet")
    assert code == 0, stderr
    snap = bundled.load()
    (line,) = notices(stderr)
    for part in (snap.commit[:7], snap.date.isoformat(), f"{snap.paper_count} papers", "summaries", "search"):
        assert part in line
    assert "online" in line and "--source" in line
    code, stdout, _ = cli("papers", "--json", "--db", db)
    assert code == 0 and len(json.loads(stdout)) == snap.paper_count >= 187
    assert HeadKG(db).meta()["source"] == f"bundled snapshot {snap.commit[:7]} ({snap.date.isoformat()})"
    code, _, stderr = cli("build", "--db", db, "--quiet")  # still offline: nothing to do
    assert code == 0 and len(notices(stderr)) == 1
    assert "already holds the bundled snapshot" in stderr


def test_offline_build_on_postgresql(offline: Path, pg_url: str) -> None:
    code, _, stderr = cli("build", "--db", pg_url, "--quiet")
    assert code == 0, stderr
    kg = HeadKG(pg_url)
    assert kg.papers().total == bundled.load().paper_count
    assert kg.meta()["source"].startswith("bundled snapshot ")
    kg.close()


def test_an_explicit_git_url_that_cannot_be_reached_is_an_error(offline: Path) -> None:
    url = f"http://127.0.0.1:{closed_port()}/mine.git"
    code, _, stderr = cli("build", "--source", url, "--db", str(offline / "s.sqlite"), "--quiet")
    assert code == 2
    assert f"cannot reach {url}" in stderr and "Traceback" not in stderr


def test_upstream_clone_pull_then_cached_clone_offline(
    offline: Path, snapshot: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Online: clone, then pull. Upstream gone: the cached clone, said to be not refreshed."""
    origin = make_origin(snapshot, offline / "origin")
    monkeypatch.setenv("HEADKG_UPSTREAM", f"file://{origin}")
    db = str(offline / "store.sqlite")
    code, _, stderr = cli("build", "--db", db, "--quiet")
    assert code == 0, stderr
    assert not notices(stderr)
    assert HeadKG(db).papers().total == 187
    (origin / "source" / "bib" / "Survey.bib").unlink()
    subprocess.run([*GIT, "-C", str(origin), "commit", "-q", "-am", "drop the survey bib"], check=True)
    code, _, stderr = cli("build", "--db", db, "--quiet")
    assert code == 0 and not notices(stderr)
    pulled = HeadKG(db).papers().total
    assert pulled < 187
    origin.rename(offline / "gone")
    code, _, stderr = cli("build", "--db", db, "--quiet")
    assert code == 0, stderr
    (line,) = notices(stderr)
    assert f"could not reach file://{origin}" in line and "cached clone" in line and "not refreshed" in line
    assert HeadKG(db).papers().total == pulled  # the clone, not the bundled snapshot


@pytest.mark.parametrize("value", ["abc", "0", "-1", "inf", "nan"])
def test_a_bad_network_timeout_is_named(value: str) -> None:
    with pytest.raises(SettingsError, match="HEADKG_NETWORK_TIMEOUT"):
        Settings.from_env({"HEADKG_NETWORK_TIMEOUT": value})


def test_settings_pass_the_upstream_down() -> None:
    env = {"HEADKG_UPSTREAM": "file:///tmp/x", "HEADKG_NETWORK_TIMEOUT": "2.5", "HEADKG_DB": "x"}
    settings = Settings.from_env(env)
    assert settings.upstream() == Upstream(url="file:///tmp/x", timeout=2.5)
    assert Settings.from_env({}).upstream() == Upstream()


# -- a store built from the snapshot answers like one built from the list ------------------------


@pytest.fixture(scope="module")
def twin_stores(tmp_path_factory: pytest.TempPathFactory, snapshot: Path) -> tuple[str, str]:
    """(built from the list, built offline from the bundled snapshot)."""
    base = tmp_path_factory.mktemp("twins")
    from_list, from_snapshot = str(base / "list.sqlite"), str(base / "snapshot.sqlite")
    code, _, stderr = cli("build", "--source", str(snapshot), "--db", from_list, "--quiet")
    assert code == 0, stderr
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(base / "cache"))
        patch.setenv("HEADKG_UPSTREAM", f"http://127.0.0.1:{closed_port()}/x.git")
        code, _, stderr = cli("build", "--db", from_snapshot, "--quiet")
    assert code == 0 and len(notices(stderr)) == 1, stderr
    return from_list, from_snapshot


def _answers(db: str, tmp: Path) -> dict[str, Any]:
    """What a user can ask the store, through the CLI, the API and the graph export."""
    answers: dict[str, Any] = {}
    for name, args in {
        "papers": ["papers", "--json"],
        "papers by head": ["papers", "--json", "--head", "retrieval heads"],
        "papers by stage and years": ["papers", "--json", "--stage", "KR", "--year-from", "2024"],
        "search": ["papers", "--json", "--q", "Elhage", "--sort", "date"],  # authors: in both stores
        "heads": ["heads", "--json"],
    }.items():
        code, stdout, stderr = cli(*args, "--db", db)
        assert code == 0, stderr
        answers[name] = without_summaries(json.loads(stdout))
    client = TestClient(create_app(HeadKG(db)))
    for route in ("/stats", "/heads", "/stages", "/methods", "/benchmarks", "/models", "/papers?limit=500&facets=true"):
        response = client.get(route)
        assert response.status_code == 200, route
        answers[route] = without_summaries(response.json())
    out = tmp / f"{Path(db).stem}.json"
    code, _, stderr = cli("export", "--format", "json", "-o", str(out), "--db", db)
    assert code == 0, stderr
    answers["export"] = without_summaries(json.loads(out.read_text()))
    answers["findings"] = [f.model_dump() for f in HeadKG(db).findings()]
    return answers


def test_snapshot_store_answers_like_the_list_store(twin_stores: tuple[str, str], tmp_path: Path) -> None:
    from_list, from_snapshot = (_answers(db, tmp_path) for db in twin_stores)
    assert len(from_list["papers"]) >= 187
    assert from_list["/stats"]["papers"] == len(from_list["papers"])
    export = from_snapshot["export"]
    assert len(export["nodes"]) > 300 and len(export["links"]) > 250
    for name in from_list:
        assert from_list[name], f"{name}: an empty answer proves nothing"
        assert from_snapshot[name] == from_list[name], name
    with_summary = [p for p in json.loads(cli("papers", "--json", "--db", twin_stores[0])[1]) if p["summary"]]
    assert with_summary, "the list store keeps its summaries"
    assert all(p["summary"] is None for p in json.loads(cli("papers", "--json", "--db", twin_stores[1])[1]))
    # without summaries, search finds what titles, authors, venues and ids say: fewer papers, no others
    found = [
        {p["id"] for p in json.loads(cli("papers", "--json", "--q", "induction", "--db", db)[1])} for db in twin_stores
    ]  # noqa: E501
    assert found[1] and found[1] < found[0]


def test_an_online_build_over_a_snapshot_store(twin_stores: tuple[str, str], snapshot: Path, tmp_path: Path) -> None:
    """Back online, a build over the snapshot's store brings the summaries in, like a fresh build."""
    db = tmp_path / "store.sqlite"
    shutil.copy(twin_stores[1], db)
    code, _, stderr = cli("build", "--source", str(snapshot), "--db", str(db), "--quiet")
    assert code == 0, stderr
    assert not notices(stderr)
    assert HeadKG(str(db)).meta()["source"] == str(snapshot)
    fresh = json.loads(cli("papers", "--json", "--db", twin_stores[0])[1])
    assert json.loads(cli("papers", "--json", "--db", str(db))[1]) == fresh
    code, _, stderr = cli("build", "--source", str(snapshot), "--db", str(db), "--quiet", "--full")
    assert code == 0 and json.loads(cli("papers", "--json", "--db", str(db))[1]) == fresh
