"""`headkg check --fix`: the mechanical defects of a copy of the real list repaired in place, every
other byte untouched; what needs judgement (a duplicate) stays; `--dry-run` only shows the diff."""

from __future__ import annotations

import difflib
import json
import shutil
from pathlib import Path

import pytest
from readme_rows import insert_at_top, row
from typer.testing import CliRunner

from headkg.api.cli import app

runner = CliRunner()
# The real list's mechanical defects, as (file, line as it stands, the line after the fix; None: removed).
FIXED = {
    ("README.md", 529, None),
    ("source/bib/AttnHead.bib", 335, "  year={2024},"),
    (
        "source/bib/Eval+Addi.bib",
        153,
        "    note={\\href{https://doi.org/10.48550/arXiv.1808.08745}{https://doi.org/10.48550/arXiv.1808.08745}},",
    ),
    ("source/bib/Eval+Addi.bib", 196, "  title={$\\text {Memory}^ 3$: Language Modeling with Explicit Memory},"),
}


@pytest.fixture
def checkout(snapshot: Path, tmp_path: Path) -> Path:
    root = tmp_path / "list"
    shutil.copytree(snapshot, root)
    for path in root.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    return root


def check_json(root: Path) -> list[dict]:
    return json.loads(runner.invoke(app, ["check", str(root), "--format", "json"]).stdout)


def changed_lines(before: Path, after: Path) -> set[tuple[str, int, str | None]]:
    """(file, old line number, new text or None) of every line that differs between two checkouts."""
    changes: set[tuple[str, int, str | None]] = set()
    for old in sorted(p for p in before.rglob("*") if p.is_file()):
        rel = old.relative_to(before).as_posix()
        a = old.read_text(encoding="utf-8").split("\n")
        b = (after / rel).read_text(encoding="utf-8").split("\n")
        for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
            if tag == "delete":
                changes |= {(rel, i + 1, None) for i in range(i1, i2)}
            elif tag == "replace":
                assert i2 - i1 == j2 - j1, (rel, a[i1:i2], b[j1:j2])
                changes |= {(rel, i1 + k + 1, b[j1 + k]) for k in range(i2 - i1)}
            elif tag == "insert":
                raise AssertionError(f"a fix added lines to {rel}: {b[j1:j2]}")
    return changes


def test_the_real_lists_mechanical_defects_are_fixable_and_the_duplicate_is_not(checkout: Path) -> None:
    findings = check_json(checkout)
    fixable = {(f["code"], f["file"], f["line"]) for f in findings if f["fixable"]}
    assert fixable == {
        ("row.empty", "README.md", 529),
        ("bib.year", "source/bib/AttnHead.bib", 331),
        ("bib.field-unknown", "source/bib/Eval+Addi.bib", 148),
        ("bib.latex-title", "source/bib/Eval+Addi.bib", 195),
    }
    assert [f["fixable"] for f in findings if f["code"] == "paper.duplicate"] == [False]


def test_fix_changes_only_the_defects_and_leaves_nothing_fixable(checkout: Path, snapshot: Path) -> None:
    result = runner.invoke(app, ["check", str(checkout), "--fix"])
    assert result.exit_code == 1  # the duplicated bib entry is left for a maintainer
    fixed = [line for line in result.stdout.splitlines() if line.startswith("fixed ")]
    assert len(fixed) == 4 and any("README.md:529" in line and "<tr>" in line for line in fixed)
    assert changed_lines(snapshot, checkout) == FIXED
    findings = check_json(checkout)
    assert not [f for f in findings if f["fixable"]]
    assert [f["code"] for f in findings if f["severity"] == "error"] == ["paper.duplicate"]
    again = runner.invoke(app, ["check", str(checkout), "--fix", "--dry-run"])
    assert (again.exit_code, again.stdout) == (0, "")  # nothing left to change


def test_dry_run_prints_the_diff_and_writes_nothing(checkout: Path, snapshot: Path) -> None:
    result = runner.invoke(app, ["check", str(checkout), "--fix", "--dry-run"])
    assert result.exit_code == 1
    assert "--- a/README.md\n+++ b/README.md\n" in result.stdout
    assert "-  year={Preprint at arXiv},\n+  year={2024},\n" in result.stdout
    assert "-    notes={" in result.stdout and "+    note={" in result.stdout
    assert changed_lines(snapshot, checkout) == set()


def test_a_misspelt_badge_with_one_clear_match_is_renamed(checkout: Path) -> None:
    line = insert_at_top(checkout, row(date="2025-02-20", title="Misspelt", badges=["Inducton_Head"], arxiv="2502.9"))
    before = (checkout / "README.md").read_text(encoding="utf-8").split("\n")
    result = runner.invoke(app, ["check", str(checkout), "--fix", "--format", "json"])
    assert "fixed README.md:" in result.stderr  # with --format json, what changed goes to stderr
    json.loads(result.stdout)
    after = (checkout / "README.md").read_text(encoding="utf-8").split("\n")
    assert after[line] == before[line].replace("Inducton_Head", "Induction_Head")
    assert len(before) - len(after) == 1  # and the stray <tr> is gone
    assert not [f for f in check_json(checkout) if f["code"] == "head.misspelt"]


def test_a_badge_with_no_clear_match_is_not_fixable(checkout: Path) -> None:
    """A name close to no curated head may be a new head type: no single right answer."""
    insert_at_top(checkout, row(date="2025-02-20", title="Unclear", badges=["Zebra_Crossing_Head"], arxiv="2502.9"))
    unknown = [f for f in check_json(checkout) if f["code"].startswith("head.")]
    assert unknown and not any(f["fixable"] for f in unknown)


def test_dry_run_needs_fix(checkout: Path) -> None:
    result = runner.invoke(app, ["check", str(checkout), "--dry-run"])
    assert result.exit_code == 2 and "--fix" in result.stderr
