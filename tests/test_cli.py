"""The command line as a user meets it: every command documented, export end to end."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest
import typer
from lxml import etree
from typer.testing import CliRunner

import headkg
from headkg.api.cli import app

runner = CliRunner()
GEXF_RNG = Path(__file__).resolve().parents[2] / "shared" / "gexf-spec" / "specs" / "1.3" / "gexf.rng"
COMMANDS = sorted(typer.main.get_command(app).commands)  # type: ignore[attr-defined]


def test_the_commands_a_user_is_told_about_exist() -> None:
    assert {"build", "serve", "papers", "heads", "export", "check", "diff", "add"} <= set(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command: str) -> None:
    """A command without a docstring has no description in --help: that fails here."""
    click_command = typer.main.get_command(app).commands[command]  # type: ignore[attr-defined]
    assert click_command.help and len(click_command.help.strip()) > 20, f"{command} has no docstring"
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0, result.output
    assert click_command.help.split()[0] in result.stdout
    for param in click_command.params:
        if param.param_type_name == "option":
            assert param.help, f"{command} {param.opts[0]} has no help text"


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"headkg {headkg.__version__}"


def test_python_dash_m_headkg_is_the_command() -> None:
    done = subprocess.run([sys.executable, "-m", "headkg", "--version"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"headkg {headkg.__version__}"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, snapshot: Path) -> str:
    db = str(tmp_path_factory.mktemp("cli") / "store.sqlite")
    assert runner.invoke(app, ["build", "--source", str(snapshot), "--db", db, "--quiet"]).exit_code == 0
    return db


def test_export_gexf_is_valid_and_complete(store: str, tmp_path: Path) -> None:
    out = tmp_path / "kg.gexf"
    result = runner.invoke(app, ["export", "--format", "gexf", "-o", str(out), "--db", store])
    assert result.exit_code == 0, result.stderr
    schema = etree.RelaxNG(etree.parse(str(GEXF_RNG)))
    assert schema.validate(etree.parse(str(out))), schema.error_log
    graph = nx.read_gexf(out)
    kinds = [d["kind"] for _, d in graph.nodes(data=True)]
    assert kinds.count("paper") == 187


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "xml"], "unknown export format"),
        (["--stage", "XX"], "stage"),
        (["--projection", "authors"], "projection"),
    ],
)
def test_export_bad_options_are_messages(store: str, tmp_path: Path, args: list[str], message: str) -> None:
    result = runner.invoke(app, ["export", "-o", str(tmp_path / "x"), "--db", store, *args])
    assert result.exit_code == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_headkg_db_environment_variable(store: str) -> None:
    result = runner.invoke(app, ["heads", "--json"], env={"HEADKG_DB": store})
    assert result.exit_code == 0, result.stderr
    assert "Induction Head" in result.stdout


def test_postgresql_url_as_given(pg_url: str, snapshot_2024: Path) -> None:
    """The plain `postgresql://` URL a user types works: headkg picks the psycopg 3 driver."""
    assert pg_url.startswith("postgresql://")
    result = runner.invoke(app, ["build", "--source", str(snapshot_2024), "--db", pg_url, "--quiet"])
    assert result.exit_code == 0, result.stderr
    assert "39 papers" in result.stderr


def test_nul_in_a_query_is_a_message_on_postgresql(pg_url: str, snapshot_2024: Path) -> None:
    assert runner.invoke(app, ["build", "--source", str(snapshot_2024), "--db", pg_url, "--quiet"]).exit_code == 0
    result = runner.invoke(app, ["papers", "--id", "a\x00b", "--db", pg_url])
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    result = runner.invoke(app, ["papers", "--q", "a\x00b", "--db", pg_url])  # search cuts words: NUL is a space
    assert result.exit_code == 0 and "Traceback" not in result.stderr
