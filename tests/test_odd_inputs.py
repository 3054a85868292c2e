"""Issue 9, defects 5 and 6: every bad file is a finding, never a traceback; usage errors are one
line (exit 2) before any parsing; the taxonomy figure parses in linear time at any nesting depth.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from headkg.api.cli import app
from headkg.ingest.check import check_list
from headkg.ingest.latex import find_commands, latex_to_text, tokenize
from headkg.ingest.taxonomy import FIGURE, parse_taxonomy
from headkg.schema.findings import Findings

runner = CliRunner()


@pytest.fixture
def copy(snapshot: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(snapshot, tmp_path / "list"))


def odd_paths(root: Path, folder: str, suffix: str) -> dict[str, str]:
    """A folder, a dangling link and a link loop named like input files; name -> what it is."""
    base = root / folder
    (base / f"folder{suffix}").mkdir()
    os.symlink(root / "nowhere", base / f"dangling{suffix}")
    os.symlink(f"loop{suffix}", base / f"loop{suffix}")
    return {f"folder{suffix}": "a folder", f"dangling{suffix}": "symbolic link", f"loop{suffix}": "symbolic link"}


@pytest.mark.parametrize(("folder", "suffix"), [("source/bib", ".bib"), ("source/tables", ".tex")])
def test_folders_and_broken_links_are_findings_in_check_and_build(
    copy: Path, tmp_path: Path, folder: str, suffix: str
) -> None:
    db = str(tmp_path / "kg.sqlite")
    assert runner.invoke(app, ["build", "--source", str(copy), "--db", db, "--quiet"]).exit_code == 0
    odd = odd_paths(copy, folder, suffix)
    findings = {f.file: f for f in check_list(copy) if f.code == "file.unreadable"}
    assert set(findings) == {f"{folder}/{name}" for name in odd}
    for name, what in odd.items():
        assert what in findings[f"{folder}/{name}"].message and findings[f"{folder}/{name}"].severity == "error"
    # an incremental build notices them (it said "up to date"), and so does --full
    for extra in ((), ("--full",)):
        result = runner.invoke(app, ["build", "--source", str(copy), "--db", db, "--quiet", *extra])
        assert result.exit_code == 0 and "Traceback" not in result.output
        assert "up to date" not in result.stderr
        assert all(f"{folder}/{name}" in result.stderr for name in odd)
        assert "187 papers" in result.stderr


def test_a_readme_that_is_a_folder_is_a_finding(copy: Path, tmp_path: Path) -> None:
    (copy / "README.md").unlink()
    (copy / "README.md").mkdir()
    result = runner.invoke(app, ["build", "--source", str(copy), "--db", str(tmp_path / "kg.sqlite"), "--quiet"])
    assert result.exit_code == 2 and "README.md" in result.stderr and "Traceback" not in result.output


def test_a_figure_that_is_a_dangling_link_is_a_finding(copy: Path) -> None:
    figure = copy / FIGURE
    figure.unlink()
    os.symlink(copy / "nowhere.tex", figure)
    findings = Findings()
    assert parse_taxonomy(copy, findings) == []
    assert [f.code for f in findings] == ["file.unreadable"]


# -- usage errors: one line, exit 2, before any parsing ----------------------------------------------


@pytest.mark.parametrize(
    "db",
    [
        "sqlite:////proc/nope/kg.sqlite",  # a folder that cannot be made
        "{file}/kg.sqlite",  # a file as the parent folder
        "{tmp}",  # a folder as the store
        "mysql://localhost/kg",  # not a store headkg writes
        "postgresql://nobody@127.0.0.1:1/kg",  # nothing listens there
    ],
)
def test_a_store_that_cannot_be_written_is_one_line_before_parsing(tmp_path: Path, db: str) -> None:
    (tmp_path / "file").write_text("x")
    url = db.format(file=tmp_path / "file", tmp=tmp_path)
    missing = tmp_path / "no-such-list"  # parsing would fail on this: the store is checked first
    result = runner.invoke(app, ["build", "--source", str(missing), "--db", url, "--quiet"])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and "no such folder" not in lines[0], lines


@pytest.mark.parametrize("port", ["99999", "0", "-1"])
def test_a_bad_port_is_one_line(port: str, tmp_path: Path, snapshot_2024: Path) -> None:
    db = str(tmp_path / "kg.sqlite")
    assert runner.invoke(app, ["build", "--source", str(snapshot_2024), "--db", db, "--quiet"]).exit_code == 0
    result = runner.invoke(app, ["serve", "--db", db, "--port", port])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.stderr.strip().splitlines() == [f"error: port {port} is out of range: give 1 to 65535"]


# -- the taxonomy figure: deep, large, linear --------------------------------------------------------


def figure(leaf: str) -> str:
    return (
        "\\begin{forest}\n[\\textbf{Root}, x\n  [\\textbf{\\S \\nameref{subsec:KR}}, y\n"
        f"    [\\ \\textbf{{General}}, z\n      [{leaf}, w]\n    ]\n  ]\n]\n\\end{{forest}}\n"
    )


def parse(tmp_path: Path, body: str) -> tuple[list, Findings]:  # type: ignore[type-arg]
    (tmp_path / FIGURE).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / FIGURE).write_text(body, encoding="utf-8")
    findings = Findings()
    return parse_taxonomy(tmp_path, findings), findings


@pytest.mark.parametrize(
    "leaf",
    [
        "[{" * 3000,  # the reproduction: 3,000 nested `[{` gave a RecursionError
        "{" * 50_000,
        "\\textbf{" + "{" * 5000 + "Deep Head" + "}" * 5000 + "}~\\citep{a}",
        "[" * 20_000 + "]" * 20_000,
    ],
    ids=["nested-brackets-and-braces", "unclosed-braces", "deep-braces", "deep-brackets"],
)
def test_deep_figures_parse_with_findings(tmp_path: Path, leaf: str) -> None:
    heads, findings = parse(tmp_path, figure(leaf))
    assert len(findings) <= 501 and all(f.file == FIGURE for f in findings)
    if "Deep Head" in leaf:
        assert [h.name for h in heads] == ["Deep Head"]


def test_a_large_figure_parses(tmp_path: Path) -> None:
    head = "\\textbf{\\gpt{}\\llama{}Retrieval Head}{ (Variant)}~\\citep{a,b}"
    body = figure("{, }".join([head] * 60_000))  # about 3.6 MB
    assert len(body) > 3_000_000
    heads, findings = parse(tmp_path, body)
    assert len(heads) == 60_000 and not findings
    assert heads[-1].qualifier == "Variant" and heads[-1].model_families == ["gpt", "llama"]


def test_latex_helpers_have_no_recursion_limit() -> None:
    deep = "{" * 5000 + "\\href{https://x.org}{x}" + "}" * 5000
    assert [c.name for c in find_commands(deep, frozenset({"href"}), 2)] == ["href"]
    assert latex_to_text("\\textbf{" + "{" * 2000 + "Name" + "}" * 2000 + "}") == "Name"
    assert [t.kind for t in tokenize("a{b}\\c}")] == ["text", "group", "macro", "stray"]


def test_tokenize_reads_a_large_text_with_many_unclosed_braces() -> None:
    """The old scanner re-read the rest of the text at every unclosed brace (quadratic)."""
    tokens = tokenize("{" + "x" * 2_000_000 + "}" + "{" * 50_000)
    assert tokens[0].kind == "group" and len(tokens) == 50_001 and tokens[-1].kind == "stray"
