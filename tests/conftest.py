"""Shared fixtures: the real snapshot in ../shared, real SQLite files and a real PostgreSQL
database created for the test session (no mocked database anywhere)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SNAPSHOT = SHARED / "awesome-attention-heads"
SNAPSHOT_2024 = SHARED / "awesome-attention-heads-2024-08-31"
DATA = Path(__file__).resolve().parent / "data"
PG_ADMIN_URL = os.environ.get("HEADKG_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture(scope="session")
def snapshot() -> Path:
    if not SNAPSHOT.is_dir():
        pytest.fail(f"the snapshot of the list is missing at {SNAPSHOT}")
    return SNAPSHOT


@pytest.fixture(scope="session")
def snapshot_2024() -> Path:
    if not SNAPSHOT_2024.is_dir():
        pytest.fail(f"the 2024-08-31 snapshot is missing at {SNAPSHOT_2024}")
    return SNAPSHOT_2024


@pytest.fixture(scope="session")
def pg_server_url() -> Iterator[str]:
    """A fresh PostgreSQL database on the local server for this test session, dropped after."""
    name = f"headkg_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url.replace("postgresql+psycopg://", "postgresql://")
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def pg_url(pg_server_url: str) -> Iterator[str]:
    """The session's PostgreSQL database, emptied before each test that uses it."""
    engine = create_engine(pg_server_url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    yield pg_server_url


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each test using it runs once on a SQLite file and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.sqlite'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def snapshot_store(
    request: pytest.FixtureRequest, snapshot: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The real snapshot built once per backend for the whole session (read-only for the tests that use it).

    On PostgreSQL it lives in a database of its own, beside the session's (which `pg_url` empties).
    """
    from typer.testing import CliRunner

    from headkg.api.cli import app

    def build(url: str) -> None:
        result = CliRunner().invoke(app, ["build", "--source", str(snapshot), "--db", url, "--quiet"])
        assert result.exit_code == 0, result.output

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('snapshot-store') / 'store.sqlite'}"
        build(url)
        yield url
        return
    server: str = request.getfixturevalue("pg_server_url")
    name = f"headkg_snap_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = server.rsplit("/", 1)[0] + f"/{name}"
    try:
        build(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


GITHUB_LIST = "https://github.com/IAAR-Shanghai/Awesome-Attention-Heads.git"


def make_checkout(source: Path, target: Path, origin: str = GITHUB_LIST) -> str:
    """`source` copied to `target` as a git checkout with one commit and `origin`; its commit hash."""
    import shutil
    import subprocess

    shutil.copytree(source, target)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", "-C", str(target)]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "snapshot"], check=True)
    subprocess.run([*git, "remote", "add", "origin", origin], check=True)
    return subprocess.run([*git, "rev-parse", "HEAD"], check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture(scope="session")
def snapshot_checkout(snapshot: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The real snapshot as a git checkout whose origin is the list on GitHub: (folder, commit)."""
    target = tmp_path_factory.mktemp("checkout") / "awesome-attention-heads"
    return target, make_checkout(snapshot, target)


@pytest.fixture(scope="session")
def checkout_store(snapshot_checkout: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite store built once from `snapshot_checkout` (so it knows its repository and commit)."""
    from typer.testing import CliRunner

    from headkg.api.cli import app

    url = f"sqlite:///{tmp_path_factory.mktemp('checkout-store') / 'store.sqlite'}"
    result = CliRunner().invoke(app, ["build", "--source", str(snapshot_checkout[0]), "--db", url, "--quiet"])
    assert result.exit_code == 0, result.output
    return url


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> object:
    """Keep each phase's report on the test item (`item.rep_call`), so a fixture can tell a failure
    (the browser tests save their screenshots then)."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report
