"""What both benchmarks share: the machine's description, Markdown tables, the results files and
the PostgreSQL database a run may use.

Results files (`benchmarks/results/*.md`) grow by one section per run, newest at the bottom, each
headed by its date, size and backend and followed by the machine it ran on.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "results"
# Other work on the machine skews every number: recorded when a benchmark starts (imports this).
LOAD_AT_START = os.getloadavg()


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _os_name() -> str:
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                name = line.split("=", 1)[1].strip().strip('"')
                return f"{name} (kernel {platform.release()})"
    except OSError:
        pass
    return platform.platform()


def _commit() -> str:
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, check=False).stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    return commit + (" (with uncommitted changes)" if git("status", "--porcelain", "--untracked-files=no") else "")


def postgres_version(url: str | None) -> str:
    """The server's version when a run uses PostgreSQL, else that it was not used."""
    if not url or not url.startswith("postgres"):
        psql = shutil.which("psql")
        installed = subprocess.run([psql, "--version"], capture_output=True, text=True).stdout.strip() if psql else ""
        return f"not used by this run ({installed or 'no psql installed'})"
    import psycopg

    try:
        with psycopg.connect(plain_url(url), connect_timeout=5) as conn:
            row = conn.execute("SHOW server_version").fetchone()
        return f"{row[0]}" if row else "unknown"
    except psycopg.Error as error:
        return f"unreachable ({error.__class__.__name__})"


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine(db_url: str | None = None, tools: Sequence[str] = ()) -> list[tuple[str, str]]:
    """The machine a run measured, as (what, value) pairs: CPU, RAM, OS, versions, date, commit."""
    import psutil  # a `bench` dependency: imported here so the table helpers need only the stdlib

    facts = [
        ("CPU", f"{_cpu_model()} × {os.cpu_count()} logical ({psutil.cpu_count(logical=False)} physical)"),
        ("RAM", f"{psutil.virtual_memory().total / 2**30:.1f} GiB"),
        ("OS", _os_name()),
        ("Python", platform.python_version()),
        ("SQLite", sqlite3.sqlite_version),
        ("PostgreSQL", postgres_version(db_url)),
        ("headkg", f"{_version('headkg')} at commit {_commit()}"),
        ("date", dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")),
        ("load average (1, 5, 15 min) when the run started", " ".join(f"{x:.2f}" for x in LOAD_AT_START)),
    ]
    facts += [(tool, _version(tool)) for tool in tools]
    return facts


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A GitHub Markdown table; cells are shown with str() (pre-format numbers)."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(str(cell).replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def append_result(name: str, title: str, intro: str, body: str, facts: list[tuple[str, str]]) -> Path:
    """Append one run's section to benchmarks/results/<name>.md (created with `intro` the first time)."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.md"
    if not path.exists():
        path.write_text(intro.rstrip() + "\n", encoding="utf-8")
    machine_lines = "\n".join(f"- {what}: {value}" for what, value in facts)
    with path.open("a", encoding="utf-8") as out:
        out.write(f"\n## {title}\n\n{body.rstrip()}\n\nMachine:\n\n{machine_lines}\n")
    return path


def fmt_seconds(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    return f"{seconds:.2f} s" if seconds < 100 else f"{seconds:.0f} s"


def fmt_mib(rss_bytes: int | None) -> str:
    return "–" if rss_bytes is None else f"{rss_bytes / 2**20:,.0f} MiB"


def plain_url(url: str) -> str:
    """A SQLAlchemy PostgreSQL URL (`postgresql+psycopg://…`) as libpq takes it (`postgresql://…`)."""
    return re.sub(r"^postgres(ql)?(\+\w+)?://", "postgresql://", url)


def with_database(url: str, name: str) -> str:
    """The same server URL naming another database."""
    head, _, query = url.partition("?")
    base = head.rsplit("/", 1)[0] if head.count("/") > 2 else head
    return f"{base}/{name}" + (f"?{query}" if query else "")


def create_database(url: str, name: str, *, fresh: bool) -> str:
    """Create database `name` on the server of `url` (dropped first when `fresh`); its URL."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(plain_url(url), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists and fresh:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
        if not exists or fresh:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return with_database(url, name)


def drop_database(url: str, name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(plain_url(url), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
