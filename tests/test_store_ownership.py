"""Issue 9, defects 1, 2 and 10: headkg touches only its own tables, a rebuild never blocks or
disturbs readers, and the server cannot write.

- A SQLite file or PostgreSQL schema that holds tables but no headkg mark is refused (exit 2, one
  line) and left exactly as it was; on PostgreSQL headkg lives in its own schema (`headkg`), so
  tables of other applications in `public` named `authors` or `meta` are never touched.
- A reader that began before a rebuild keeps its snapshot while a full rebuild runs and commits
  (no long exclusive lock), and the next read sees the new store.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from typer.testing import CliRunner

from headkg.api.cli import app
from headkg.db import models as m
from headkg.db.marker import APPLICATION_ID
from headkg.db.store import HeadKG
from headkg.schema.exceptions import StoreError

runner = CliRunner()


def build(url: str, source: Path, *extra: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = runner.invoke(app, ["build", "--source", str(source), "--db", url, "--quiet", *extra], env=env)
    return result.exit_code, result.stderr


def sqlite_tables(path: Path) -> list[str]:
    with sqlite3.connect(path) as conn:
        return sorted(r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"))


# -- SQLite ----------------------------------------------------------------------------------------


def test_a_sqlite_file_of_someone_else_is_refused_and_kept(tmp_path: Path, snapshot_2024: Path) -> None:
    """The reproduction: `sqlite3 f.db "create table secrets(x)"`, then a build on it."""
    path = tmp_path / "f.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE secrets(x)")
        conn.execute("INSERT INTO secrets VALUES ('keep me')")
    before = path.read_bytes()
    code, stderr = build(f"sqlite:///{path}", snapshot_2024)
    assert code == 2 and "secrets" in stderr and "not a headkg store" in stderr
    assert len(stderr.strip().splitlines()) == 1 and "Traceback" not in stderr
    assert path.read_bytes() == before
    assert sqlite_tables(path) == ["secrets"]


def test_a_file_that_is_no_database_is_refused(tmp_path: Path, snapshot_2024: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("my notes\n")
    code, stderr = build(str(path), snapshot_2024)
    assert code == 2 and "not a SQLite database" in stderr
    assert path.read_text() == "my notes\n"


def test_a_headkg_store_is_marked_and_rebuilt(tmp_path: Path, snapshot_2024: Path) -> None:
    path = tmp_path / "kg.sqlite"
    assert build(str(path), snapshot_2024)[0] == 0
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        meta = dict(conn.execute("SELECT key, value FROM meta"))
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert meta["application"] == "headkg" and meta["generation"]
    assert build(str(path), snapshot_2024, "--full")[0] == 0


def test_a_store_from_before_the_mark_is_still_headkgs(tmp_path: Path, snapshot_2024: Path) -> None:
    """A store written by an older headkg (no application id, no `application` row) is recognised by
    its tables and its schema version, so upgrading never strands a user's store."""
    path = tmp_path / "old.sqlite"
    assert build(str(path), snapshot_2024)[0] == 0
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA application_id = 0")
        conn.execute("DELETE FROM meta WHERE key IN ('application', 'generation')")
    assert build(str(path), snapshot_2024, "--full")[0] == 0


def test_a_headkg_store_with_a_foreign_table_and_no_mark_is_refused(tmp_path: Path, snapshot_2024: Path) -> None:
    path = tmp_path / "mixed.sqlite"
    assert build(str(path), snapshot_2024)[0] == 0
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA application_id = 0")
        conn.execute("DELETE FROM meta WHERE key = 'application'")
        conn.execute("CREATE TABLE notes(x)")
    assert build(str(path), snapshot_2024, "--full")[0] == 2
    assert "notes" in sqlite_tables(path)


# -- PostgreSQL ------------------------------------------------------------------------------------


def pg(url: str):  # type: ignore[no-untyped-def]
    return create_engine(url.replace("postgresql://", "postgresql+psycopg://"))


@pytest.mark.postgres
def test_postgresql_tables_of_others_are_never_touched(pg_url: str, snapshot_2024: Path) -> None:
    """Tables named like headkg's (`authors`, `meta`) in `public` belong to someone else."""
    engine = pg(pg_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE public.authors (name text)"))
        conn.execute(text("INSERT INTO public.authors VALUES ('Ada')"))
        conn.execute(text("CREATE TABLE public.meta (k text)"))
    assert build(pg_url, snapshot_2024)[0] == 0
    assert build(pg_url, snapshot_2024, "--full")[0] == 0
    with engine.connect() as conn:
        assert conn.execute(text("SELECT name FROM public.authors")).scalars().all() == ["Ada"]
        assert conn.execute(text("SELECT count(*) FROM public.meta")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM headkg.papers")).scalar() == 39
        assert conn.execute(text("SELECT value FROM headkg.meta WHERE key = 'application'")).scalar() == "headkg"
    engine.dispose()


@pytest.mark.postgres
def test_a_postgresql_schema_of_someone_else_is_refused(pg_url: str, snapshot_2024: Path) -> None:
    engine = pg(pg_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE SCHEMA IF NOT EXISTS headkg"))
        conn.execute(text("CREATE TABLE headkg.papers (secret text)"))
        conn.execute(text("INSERT INTO headkg.papers VALUES ('keep me')"))
    code, stderr = build(pg_url, snapshot_2024)
    assert code == 2 and 'schema "headkg"' in stderr and "papers" in stderr
    with engine.connect() as conn:
        assert conn.execute(text("SELECT secret FROM headkg.papers")).scalars().all() == ["keep me"]
    engine.dispose()


@pytest.mark.postgres
def test_the_postgresql_schema_can_be_chosen(pg_url: str, snapshot_2024: Path) -> None:
    """HEADKG_PG_SCHEMA, or the URL's own search_path, names the schema (created when missing)."""
    assert build(pg_url, snapshot_2024, env={"HEADKG_PG_SCHEMA": "kg_env"})[0] == 0
    url_with_path = pg_url + "?options=-csearch_path%3Dkg_url"
    assert build(url_with_path, snapshot_2024)[0] == 0
    engine = pg(pg_url)
    with engine.connect() as conn:
        for schema in ("kg_env", "kg_url"):
            assert conn.execute(text(f"SELECT count(*) FROM {schema}.papers")).scalar() == 39
        assert conn.execute(text("SELECT to_regclass('headkg.papers')")).scalar() is None
        conn.execute(text("DROP SCHEMA kg_env CASCADE"))
        conn.execute(text("DROP SCHEMA kg_url CASCADE"))
        conn.commit()
    engine.dispose()
    result = runner.invoke(app, ["heads", "--db", url_with_path])
    assert result.exit_code == 2 and "headkg build" in result.stderr


# -- readers during a rebuild ----------------------------------------------------------------------


def test_a_reader_keeps_its_snapshot_while_a_full_rebuild_commits(
    store_url: str, snapshot: Path, snapshot_2024: Path
) -> None:
    """No long exclusive lock: the rebuild finishes while a read transaction is open, the reader
    still sees the store it began with, and its next session sees the new one."""
    kg = HeadKG(store_url)
    kg.build(str(snapshot_2024))
    reader = HeadKG(store_url, read_only=True)
    done = threading.Event()
    with reader.snapshot() as view:
        assert view.stats().papers == 39
        writer = threading.Thread(
            target=lambda: (kg.build(str(snapshot), full=True, allow_shrink=True), done.set()), daemon=True
        )
        writer.start()
        writer.join(timeout=120)
        assert done.is_set(), "the rebuild waited for the reader"
        assert view.stats().papers == 39 and view.papers().total == 39
    assert reader.stats().papers == 187
    reader.close()
    kg.close()


def test_the_server_store_cannot_write(store_url: str, snapshot_2024: Path) -> None:
    HeadKG(store_url).build(str(snapshot_2024))
    reader = HeadKG(store_url, read_only=True)
    with pytest.raises(StoreError, match="read-only|readonly"), reader.session() as session:
        session.execute(m.MetaRow.__table__.delete())
    with pytest.raises(StoreError, match="read-only"):
        reader.write(reader.graph())
    with reader.session() as session:
        assert session.execute(select(m.MetaRow.value).where(m.MetaRow.key == "application")).scalar() == "headkg"
    reader.close()
