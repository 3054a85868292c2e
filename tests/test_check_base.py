"""`headkg check --base REV`: a pull request is blamed only for what it changes, on a git copy of
the real list (its 5 errors stay notices), with and without a store built from the base."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from readme_rows import insert_at_top, row
from typer.testing import CliRunner

from headkg.api.cli import app

runner = CliRunner()
# The real list's five errors today, by kind and file (their lines move with the change).
OLD_ERRORS = {
    ("row.empty", "README.md"),
    ("bib.year", "source/bib/AttnHead.bib"),
    ("bib.field-unknown", "source/bib/Eval+Addi.bib"),
    ("paper.duplicate", "source/bib/Eval+Addi.bib"),
    ("bib.latex-title", "source/bib/Eval+Addi.bib"),
}


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(root), "-c", "user.email=t@example.org", "-c", "user.name=t", *args],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


@pytest.fixture(scope="module")
def origin(snapshot: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A git repository of the real list: one commit, the base of every change below."""
    root = tmp_path_factory.mktemp("origin") / "list"
    shutil.copytree(snapshot, root)
    for path in root.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    return root


@pytest.fixture
def repo(origin: Path, tmp_path: Path) -> Path:
    """A clone of the list with a branch for the pull request; the base is `origin/main`."""
    root = tmp_path / "list"
    subprocess.run(["git", "clone", "-q", str(origin), str(root)], check=True)
    git(root, "checkout", "-qb", "pr")
    return root


def commit_row(root: Path, **fields: object) -> int:
    line = insert_at_top(root, row(**fields))  # type: ignore[arg-type]
    git(root, "commit", "-qam", "add a paper")
    return line


def check(root: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["check", str(root), "--base", "origin/main", *args])
    return result.exit_code, result.stdout


def annotations(text: str, kind: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith(f"::{kind} ")]


def test_a_clean_row_passes_and_the_old_errors_are_notices(repo: Path) -> None:
    commit_row(repo, date="2025-02-20", title="Counting Heads Count", badges=["Induction_Head"], arxiv="2502.99999")
    code, out = check(repo, "--format", "github")
    assert code == 0, out
    assert annotations(out, "error") == []
    notices = annotations(out, "notice")
    assert len(notices) == 5
    assert {(n.split("(")[1].split(")")[0], n.split("file=")[1].split(",")[0]) for n in notices} == OLD_ERRORS
    # the stray <tr> moved down with the 11 new lines, and is still recognised as the old one
    assert any("file=README.md,line=540," in n for n in notices)


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"badges": ["Inducton_Head"], "arxiv": "2502.99999"}, "head.misspelt"),
        ({"badges": ["Induction_Head"], "arxiv": "2502.99999", "date": "2025-13-02"}, "row.date"),
        ({"badges": ["Induction_Head"], "arxiv": "2406.01563"}, "paper.duplicate"),  # LoFiT's arXiv id
    ],
    ids=["misspelt-badge", "bad-date", "duplicate"],
)
def test_a_defect_fails_with_one_annotation_at_its_row(repo: Path, fields: dict, code: str) -> None:
    title_line = commit_row(repo, **{"date": "2025-02-20", "title": "A Paper Worth Listing", **fields})
    status, out = check(repo, "--format", "github")
    assert status == 1
    (error,) = annotations(out, "error")
    assert f"({code})" in error
    line = int(error.split("file=README.md,line=")[1].split(",")[0])
    assert title_line - 2 <= line <= title_line + 8  # within the new row pair (11 lines from its <tr>)
    assert len(annotations(out, "notice")) == 5


def test_json_marks_each_finding_new_or_old_and_fixable(repo: Path) -> None:
    commit_row(repo, date="2025-02-20", title="A Paper Worth Listing", badges=["Inducton_Head"], arxiv="2502.99999")
    status, out = check(repo, "--format", "json")
    findings = json.loads(out)
    assert status == 1
    new = [f for f in findings if f["new"]]
    assert [(f["code"], f["severity"], f["fixable"]) for f in new] == [("head.misspelt", "error", True)]
    old = {(f["code"], f["file"]) for f in findings if f["new"] is False and f["severity"] == "notice"}
    assert old == OLD_ERRORS
    assert all(f["new"] is False for f in findings if f["code"] == "paper.similar-title")


def test_a_change_that_fixes_an_old_error_leaves_only_the_others(repo: Path) -> None:
    bib = repo / "source" / "bib" / "AttnHead.bib"
    bib.write_text(bib.read_text(encoding="utf-8").replace("year={Preprint at arXiv}", "year={2024}"), encoding="utf-8")
    status, out = check(repo, "--format", "json")
    assert status == 0
    assert {(f["code"], f["file"]) for f in json.loads(out) if f["severity"] == "notice"} == OLD_ERRORS - {
        ("bib.year", "source/bib/AttnHead.bib")
    }


def test_moving_rows_and_entries_brings_nothing_new(repo: Path) -> None:
    """Lines move, files are re-ordered: the same findings, all old."""
    bib = repo / "source" / "bib" / "Eval+Addi.bib"
    bib.write_text("% moved down\n\n\n" + bib.read_text(encoding="utf-8"), encoding="utf-8")
    readme = repo / "README.md"
    readme.write_text(readme.read_text(encoding="utf-8").replace("## 📚 Paper List", "\n\n## 📚 Paper List"), "utf-8")
    status, out = check(repo, "--format", "json")
    assert status == 0
    assert all(f["new"] is False for f in json.loads(out))


def test_a_base_git_cannot_read_is_a_usage_error(repo: Path) -> None:
    result = runner.invoke(app, ["check", str(repo), "--base", "no-such-branch"])
    assert result.exit_code == 2
    assert "no-such-branch" in result.stderr


# --- with a store built from the base: only what changed is read, the answer is the same ------------


def _edit_file(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _edit_bib(name: str, old: str, new: str) -> Callable[[Path], None]:
    return lambda root: _edit_file(root / "source" / "bib" / name, old, new)


def _add_row(**fields: object) -> Callable[[Path], None]:
    return lambda root: insert_at_top(root, row(**{"date": "2025-02-20", "title": "A Paper Worth Listing", **fields}))  # type: ignore[arg-type]


def _drop_first_row(root: Path) -> None:
    readme = root / "README.md"
    lines = readme.read_text(encoding="utf-8").split("\n")
    start = next(i for i, line in enumerate(lines) if "rowspan" in line) - 1
    del lines[start : start + 13]
    readme.write_text("\n".join(lines), encoding="utf-8")


def _drop_row_with(text: str) -> Callable[[Path], None]:
    """Remove the README's paper row pair holding `text` (a row in the middle of its table)."""

    def drop(root: Path) -> None:
        readme = root / "README.md"
        lines = readme.read_text(encoding="utf-8").split("\n")
        at = next(i for i, line in enumerate(lines) if text in line)
        start = max(i for i in range(at) if "<tr>" in lines[i])
        end = [i for i in range(start, len(lines)) if "</tr>" in lines[i]][1]
        del lines[start : end + 1]
        readme.write_text("\n".join(lines), encoding="utf-8")

    return drop


NEW_ENTRY = "@article{{{key},\n  title={{{title}}},\n  author={{Doe, Jane}},\n  year={{2024}},\n}}\n"
CHANGES = {
    "clean-row": _add_row(badges=["Induction_Head"], arxiv="2502.99999"),
    "misspelt-badge": _add_row(badges=["Inducton_Head"], arxiv="2502.99999"),
    "duplicate-row": _add_row(badges=["Induction_Head"], arxiv="2406.01563"),
    "bad-date": _add_row(badges=["Induction_Head"], arxiv="2502.99999", date="2025-02-30"),
    "look-alike-title": _add_row(
        badges=["Induction_Head"], arxiv="2502.99999", title="LoFiT: Localized Fine-tuning on LLM Representation Spaces"
    ),
    "row-removed": _drop_first_row,
    # inside a table: only the rows around the change are read again (readme_hunks.py)
    "badge-edited-mid-table": lambda root: _edit_file(root / "README.md", "Diagonal_Head-blue", "Diagonl_Head-blue"),
    "row-removed-mid-table": _drop_row_with("Diagonal_Head-blue"),
    "two-rows-edited-apart": lambda root: (
        _edit_file(root / "README.md", "Diagonal_Head-blue", "Diagonl_Head-blue"),
        _edit_file(root / "README.md", "2024-12-16", "2024-12-32"),
    ),
    "row-broken": lambda root: _edit_file(
        root / "README.md", 'alt="Diagonal Head Badge">', 'alt="Diagonal Head Badge>'
    ),
    "bib-year-fixed": _edit_bib("AttnHead.bib", "year={Preprint at arXiv}", "year={2024}"),
    "bib-key-repeated": _edit_bib(
        "Survey.bib", "@", NEW_ENTRY.format(key="LoFiT_24_arXiv_UT", title="Another Paper Entirely") + "@"
    ),
    "bib-entry-duplicated": _edit_bib(
        "Neuro.bib",
        "@",
        NEW_ENTRY.format(key="LoFiTAgain", title="LoFiT: Localized Fine-tuning on LLM Representations") + "@",
    ),
    # inside a bib file: only the entries around the change are read again (bib_hunks.py)
    "bib-entry-edited-mid-file": _edit_bib(
        "AttnHead.bib", "journal={Transformer Circuits Thread},", "journal={Circuits Thread},\n  note={Edited},"
    ),
    "bib-key-repeated-in-file": _edit_bib(
        "AttnHead.bib",
        "@article{MathFrame_21_TCT_Anthropic,",
        NEW_ENTRY.format(key="LoFiT_24_arXiv_UT", title="Yet Another Paper") + "@article{MathFrame_21_TCT_Anthropic,",
    ),
    "bib-braces-broken": _edit_bib(
        "AttnHead.bib", "journal={Transformer Circuits Thread},", "journal={Transformer Circuits Thread,"
    ),
    "taxonomy-changed": lambda root: _edit_file(
        root / "source/figures/head_taxonomy.tex", "Induction Head}", "Inducton Head}"
    ),
}


def _summary(findings: list[dict]) -> list[tuple]:
    return sorted((f["severity"], f["code"], f["file"], f["line"], f["new"], f["fixable"]) for f in findings)


@pytest.fixture(scope="module")
def base_store(origin: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('base-store') / 'store.sqlite'}"
    result = runner.invoke(app, ["build", "--source", str(origin), "--db", url, "--quiet"])
    assert result.exit_code == 0, result.output
    return url


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_a_store_of_the_base_gives_the_same_answer(repo: Path, base_store: str, change: str) -> None:
    CHANGES[change](repo)
    full = check(repo, "--format", "json")
    fast = check(repo, "--format", "json", "--db", base_store)
    assert fast[0] == full[0]
    assert _summary(json.loads(fast[1])) == _summary(json.loads(full[1]))


def test_the_store_path_reads_only_what_changed(repo: Path, base_store: str, caplog: pytest.LogCaptureFixture) -> None:
    """Only the rows around the change are parsed; the others come from the store."""
    from headkg.db.store import HeadKG
    from headkg.ingest import readme as readme_parser

    CHANGES["misspelt-badge"](repo)
    parsed: list[int] = []
    original = readme_parser.parse_text

    def counting(text: str, *args: object, **kwargs: object) -> list:
        found = original(text, *args, **kwargs)  # type: ignore[arg-type]
        parsed.append(len(found))
        return found

    readme_parser.parse_text = counting  # type: ignore[assignment]
    try:
        findings = HeadKG(base_store).check_change(repo, "origin/main")
    finally:
        readme_parser.parse_text = original  # type: ignore[assignment]
    assert [f.code for f in findings if f.new] == ["head.misspelt"]
    assert parsed == [3]  # the new row, the row it pushed down and one more to prove the window, of 187


def test_a_store_of_another_commit_falls_back_on_the_full_check(repo: Path, base_store: str) -> None:
    CHANGES["misspelt-badge"](repo)
    git(repo, "commit", "-qam", "row")
    full = check(repo, "--format", "json")
    result = runner.invoke(app, ["check", str(repo), "--base", "HEAD", "--db", base_store, "--format", "json"])
    assert result.exit_code == 0  # HEAD has the row: nothing new, though the store is of origin/main
    assert full[0] == 1


def test_on_postgresql_too(repo: Path, pg_url: str, origin: Path) -> None:
    assert runner.invoke(app, ["build", "--source", str(origin), "--db", pg_url, "--quiet"]).exit_code == 0
    CHANGES["duplicate-row"](repo)
    fast = check(repo, "--format", "json", "--db", pg_url)
    assert fast[0] == 1
    assert [(f["code"], f["new"]) for f in json.loads(fast[1]) if f["new"]] == [("paper.duplicate", True)]


# --- what a finding is about decides, not its message alone ---------------------------------------


def _store_of(root: Path, revision: str, tmp_path: Path) -> str:
    """A store built from `revision`, as the workflow builds one (from a worktree of that commit)."""
    tree = tmp_path / "base-tree"
    git(root, "worktree", "add", "-q", "--detach", str(tree), revision)
    url = f"sqlite:///{tmp_path / 'base.sqlite'}"
    assert runner.invoke(app, ["build", "--source", str(tree), "--db", url, "--quiet"]).exit_code == 0
    return url


def _two_commits(root: Path, first: Callable[[Path], None], second: Callable[[Path], None]) -> None:
    first(root)
    git(root, "commit", "-qam", "base")
    second(root)
    git(root, "commit", "-qam", "change")


def _replace(old: str, new: str) -> Callable[[Path], None]:
    return lambda root: _edit_file(root / "README.md", old, new)


@pytest.mark.parametrize("with_store", [False, True], ids=["full", "store"])
def test_the_same_mistake_moved_to_another_row_is_new(repo: Path, tmp_path: Path, with_store: bool) -> None:
    misspelt = _add_row(badges=["Inducton_Head"], arxiv="2502.99999", title="First Paper")
    fix_it_and_misspell_another = lambda root: (  # noqa: E731
        _replace("Inducton_Head", "Induction_Head")(root),
        _add_row(badges=["Inducton_Head"], arxiv="2502.99998", title="Second Paper", date="2025-02-21")(root),
    )
    _two_commits(repo, misspelt, fix_it_and_misspell_another)
    db = ["--db", _store_of(repo, "HEAD~1", tmp_path)] if with_store else []
    result = runner.invoke(app, ["check", str(repo), "--base", "HEAD~1", "--format", "json", *db])
    new = [(f["code"], f["subject"]) for f in json.loads(result.stdout) if f["new"]]
    assert (result.exit_code, new) == (1, [("head.misspelt", "row:second paper")])


@pytest.mark.parametrize("with_store", [False, True], ids=["full", "store"])
def test_a_reworded_row_keeps_its_old_finding_old(repo: Path, tmp_path: Path, with_store: bool) -> None:
    bad_date = _add_row(badges=["Induction_Head"], arxiv="2502.99999", title="First Paper", date="2025-02-30")
    _two_commits(repo, bad_date, _replace("First Paper", "First Paper, Revised"))
    db = ["--db", _store_of(repo, "HEAD~1", tmp_path)] if with_store else []
    result = runner.invoke(app, ["check", str(repo), "--base", "HEAD~1", "--format", "json", *db])
    assert result.exit_code == 0
    (date,) = [f for f in json.loads(result.stdout) if f["code"] == "row.date"]
    assert (date["new"], date["severity"], date["subject"]) == (False, "notice", "row:first paper revised")


@pytest.mark.parametrize("with_store", [False, True], ids=["full", "store"])
def test_a_pull_request_declaring_its_new_head_type_passes(repo: Path, base_store: str, with_store: bool) -> None:
    """The vocabulary file and the row that needs it, in one pull request: nothing new to blame."""
    (repo / ".headkg").mkdir()
    (repo / ".headkg" / "vocabulary.yaml").write_text("heads:\n  - name: Counting Head\n    stage: LR\n", "utf-8")
    commit_row(repo, date="2025-02-20", title="How Heads Count", badges=["Counting_Head"], arxiv="2502.99999")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "vocabulary")
    status, out = check(repo, "--format", "json", *(["--db", base_store] if with_store else []))
    assert status == 0, out
    assert not [f for f in json.loads(out) if f["new"]]
